import { timingSafeEqual } from "node:crypto";
import type { CodeDeliveryDetailsType } from "@aws-sdk/client-cognito-identity-provider";
import { maskEmail } from "./attributes.js";
import { CognitoErrors } from "./errors.js";
import type { CognitoServices } from "./services.js";
import type { PendingCode, PoolRecord, UserRecord } from "./store.js";
import type { TriggerCall } from "./triggers/call.js";
import { CODE_PARAMETER, customMessage, USERNAME_PARAMETER, type MessageSource } from "./triggers/customMessage.js";
import type { StringMap } from "./triggers/events.js";

/** Codes Cognito e-mails (sign-up, password reset, attribute verification, sign-in) and the messages that carry them. */

/** Sign-up, reset and verification codes are valid for 24 hours on AWS; sign-in codes for the sign-in's session. */
export const CODE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Wrong guesses a pending code takes before it is spent (LimitExceededException after). */
export const CODE_ATTEMPTS = 5;

export type CodePurpose = "SignUp" | "ResendCode" | "ForgotPassword" | "UpdateUserAttribute" | "VerifyUserAttribute" | "AdminCreateUser" | "Authentication";

/** AWS's default messages, used when the pool sets none and no Custom Message trigger rewrites them. */
const DEFAULTS: Record<CodePurpose, { subject: string; message: string }> = {
  SignUp: { subject: "Your verification code", message: `Your verification code is ${CODE_PARAMETER}. ` },
  ResendCode: { subject: "Your verification code", message: `Your verification code is ${CODE_PARAMETER}. ` },
  ForgotPassword: { subject: "Your verification code", message: `Your verification code is ${CODE_PARAMETER}. ` },
  UpdateUserAttribute: { subject: "Your verification code", message: `Your verification code is ${CODE_PARAMETER}. ` },
  VerifyUserAttribute: { subject: "Your verification code", message: `Your verification code is ${CODE_PARAMETER}. ` },
  AdminCreateUser: { subject: "Your temporary password", message: `Your username is ${USERNAME_PARAMETER} and temporary password is ${CODE_PARAMETER}. ` },
  Authentication: { subject: "Your authentication code", message: `Your authentication code is ${CODE_PARAMETER}. ` },
};

type Template = { EmailMessage?: string; EmailSubject?: string };

/** The pool's own message for a purpose, where it configured one. */
function poolTemplate(pool: PoolRecord, purpose: CodePurpose): { subject?: string; message?: string } {
  if (purpose === "AdminCreateUser") {
    const invite = (pool.extra.AdminCreateUserConfig as { InviteMessageTemplate?: Template } | undefined)?.InviteMessageTemplate;
    return { subject: invite?.EmailSubject, message: invite?.EmailMessage };
  }
  if (purpose === "Authentication") return { subject: pool.mfa?.email?.subject, message: pool.mfa?.email?.message };
  const template = pool.extra.VerificationMessageTemplate as Template | undefined;
  return {
    subject: template?.EmailSubject ?? (pool.extra.EmailVerificationSubject as string | undefined),
    message: template?.EmailMessage ?? (pool.extra.EmailVerificationMessage as string | undefined),
  };
}

const SOURCES: Record<CodePurpose, MessageSource> = {
  SignUp: "CustomMessage_SignUp",
  ResendCode: "CustomMessage_ResendCode",
  ForgotPassword: "CustomMessage_ForgotPassword",
  UpdateUserAttribute: "CustomMessage_UpdateUserAttribute",
  VerifyUserAttribute: "CustomMessage_VerifyUserAttribute",
  AdminCreateUser: "CustomMessage_AdminCreateUser",
  Authentication: "CustomMessage_Authentication",
};

/**
 * Mails a code to an address (the local mailbox, GET /_rekognito/mailbox), in the pool's message
 * or the one the Custom Message trigger wrote, and answers AWS's CodeDeliveryDetails.
 */
export async function deliverCode(
  { mailbox }: Pick<CognitoServices, "mailbox">,
  call: TriggerCall,
  input: { purpose: CodePurpose; user: UserRecord; to: string; code: string; clientMetadata: StringMap | undefined; username?: string },
): Promise<CodeDeliveryDetailsType> {
  const own = poolTemplate(call.pool, input.purpose);
  const custom = await customMessage(call, { source: SOURCES[input.purpose], user: input.user, clientMetadata: input.clientMetadata });
  const subject = custom?.emailSubject ?? own.subject ?? DEFAULTS[input.purpose].subject;
  const message = custom?.emailMessage ?? own.message ?? DEFAULTS[input.purpose].message;
  const fill = (text: string) => text.split(CODE_PARAMETER).join(input.code).split(USERNAME_PARAMETER).join(input.username ?? input.user.username);
  mailbox.send({
    to: input.to,
    subject: fill(subject),
    body: fill(message),
    code: input.code,
    reason: input.purpose,
    userPoolId: call.pool.id,
    username: input.user.username,
  });
  return { Destination: maskEmail(input.to), DeliveryMedium: "EMAIL", AttributeName: "email" };
}

/** A fresh pending code, valid 24 hours by the stack's clock. */
export function pendingCode({ store, clock }: Pick<CognitoServices, "store" | "clock">): PendingCode {
  return { code: store.newCode(), expiresAt: clock.now() + CODE_VALIDITY_MS, failures: 0 };
}

/** Makes a new sign-up confirmation code for the user and mails it, when the pool verifies email addresses. */
export async function sendConfirmationCode(
  svc: Pick<CognitoServices, "store" | "mailbox" | "clock">,
  call: TriggerCall,
  input: { user: UserRecord; purpose: "SignUp" | "ResendCode"; clientMetadata: StringMap | undefined },
): Promise<{ user: UserRecord; delivery: CodeDeliveryDetailsType | undefined }> {
  const { user } = input;
  const email = user.attributes.email;
  if (!email || !call.pool.autoVerifiedAttributes.includes("email")) return { user, delivery: undefined };
  const code = svc.store.newCode();
  const delivery = await deliverCode(svc, call, { purpose: input.purpose, user, to: email, code, clientMetadata: input.clientMetadata });
  return { user: { ...user, code: { code, expiresAt: svc.clock.now() + CODE_VALIDITY_MS } }, delivery };
}

/**
 * Checks a code against the pending one: true when it matches. No pending code, or an expired
 * one, is ExpiredCodeException; past CODE_ATTEMPTS wrong guesses the code is spent
 * (LimitExceededException). A wrong guess is the caller's to count (it keeps the record).
 */
export function codeMatches(pending: PendingCode | null | undefined, given: string, now: number): boolean {
  if (!pending || pending.expiresAt <= now) throw CognitoErrors.expiredCode();
  if (pending.failures >= CODE_ATTEMPTS) throw CognitoErrors.attemptLimit();
  const a = Buffer.from(pending.code);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
