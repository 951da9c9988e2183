import type { CodeDeliveryDetailsType } from "@aws-sdk/client-cognito-identity-provider";
import type { PostConfirmationConfirmSignUpTriggerEvent, PreSignUpTriggerEvent } from "aws-lambda";
import type { RequestContext } from "../protocol/json.js";
import { CognitoErrors } from "./errors.js";
import { maskEmail } from "./shared.js";
import type { PoolRecord, UserRecord } from "./store.js";
import { baseEvent, callerContext, isObject, triggerAttributes } from "./triggers.js";
import type { CognitoServices, StringMap } from "./types.js";

/** Sign-up codes are valid for 24 hours on AWS. */
export const CODE_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** Makes a new confirmation code for the user and "e-mails" it to the local mailbox. */
export function sendConfirmationCode(svc: CognitoServices, pool: PoolRecord, user: UserRecord, reason: string): { user: UserRecord; delivery: CodeDeliveryDetailsType | undefined } {
  const email = user.attributes.email;
  if (!email || !pool.autoVerifiedAttributes.includes("email")) return { user, delivery: undefined };
  const code = svc.store.newCode();
  const updated: UserRecord = { ...user, code: { code, expiresAt: svc.core.clock.now() + CODE_VALIDITY_MS } };
  svc.mailbox.send({
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

/** Runs PreSignUp; answers what it decided (auto-confirm, auto-verify). */
export async function runPreSignUp(
  svc: CognitoServices,
  ctx: Pick<RequestContext, "userAgent">,
  pool: PoolRecord,
  clientId: string,
  source: "PreSignUp_SignUp" | "PreSignUp_AdminCreateUser",
  userName: string,
  attributes: StringMap,
  validationData: StringMap | undefined,
  clientMetadata: StringMap | undefined,
): Promise<{ autoConfirmUser: boolean; autoVerifyEmail: boolean; autoVerifyPhone: boolean }> {
  const event = {
    ...baseEvent(pool, source, userName, callerContext(ctx, clientId)),
    request: {
      userAttributes: attributes,
      ...(validationData ? { validationData } : {}),
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  } as PreSignUpTriggerEvent;
  const answered = await svc.triggers.run(pool, "PreSignUp", event);
  if (!answered) return { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  const r = answered.response as unknown;
  if (!isObject(r)) throw CognitoErrors.invalidLambdaResponse();
  for (const key of ["autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"]) {
    if (r[key] !== undefined && r[key] !== null && typeof r[key] !== "boolean") throw CognitoErrors.invalidLambdaResponse();
  }
  const autoConfirmUser = r.autoConfirmUser === true;
  if ((r.autoVerifyEmail === true || r.autoVerifyPhone === true) && !autoConfirmUser) {
    // AWS refuses to verify an attribute of a user it does not confirm.
    throw CognitoErrors.invalidLambdaResponse("Invalid lambda response: autoVerify requires autoConfirmUser");
  }
  return { autoConfirmUser, autoVerifyEmail: r.autoVerifyEmail === true, autoVerifyPhone: r.autoVerifyPhone === true };
}

/** Runs PostConfirmation after a user is confirmed (the confirmation stands if it fails, as on AWS). */
export async function runPostConfirmation(
  svc: CognitoServices,
  ctx: Pick<RequestContext, "userAgent">,
  pool: PoolRecord,
  clientId: string,
  user: UserRecord,
  clientMetadata: StringMap | undefined,
): Promise<void> {
  const event: PostConfirmationConfirmSignUpTriggerEvent = {
    ...baseEvent(pool, "PostConfirmation_ConfirmSignUp", user.username, callerContext(ctx, clientId)),
    request: { userAttributes: triggerAttributes(user), ...(clientMetadata ? { clientMetadata } : {}) },
    response: {},
  };
  await svc.triggers.run(pool, "PostConfirmation", event);
}

/** Revokes every token a user holds (sign-out everywhere, disable, delete). */
export function revokeAllTokens(svc: CognitoServices, user: UserRecord): void {
  for (const r of svc.store.refreshTokensOf(user.poolId, user.username)) svc.store.revokeOrigin(r.originJti);
}
