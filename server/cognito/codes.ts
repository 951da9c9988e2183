import type { CodeDeliveryDetailsType } from "@aws-sdk/client-cognito-identity-provider";
import { maskEmail } from "./attributes.js";
import type { CognitoServices } from "./services.js";
import type { PoolRecord, UserRecord } from "./store.js";

/** Sign-up codes are valid for 24 hours on AWS. */
export const CODE_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** Makes a new confirmation code for the user and "e-mails" it to the local mailbox. */
export function sendConfirmationCode(
  { store, mailbox, clock }: Pick<CognitoServices, "store" | "mailbox" | "clock">,
  pool: PoolRecord,
  user: UserRecord,
  reason: string,
): { user: UserRecord; delivery: CodeDeliveryDetailsType | undefined } {
  const email = user.attributes.email;
  if (!email || !pool.autoVerifiedAttributes.includes("email")) return { user, delivery: undefined };
  const code = store.newCode();
  const updated: UserRecord = { ...user, code: { code, expiresAt: clock.now() + CODE_VALIDITY_MS } };
  mailbox.send({
    to: email,
    subject: "Your verification code",
    body: `Your confirmation code is ${code}`,
    code,
    reason,
    userPoolId: pool.id,
    username: user.username,
  });
  return { user: updated, delivery: { Destination: maskEmail(email), DeliveryMedium: "EMAIL", AttributeName: "email" } };
}
