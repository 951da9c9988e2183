import { randomBytes } from "node:crypto";

/**
 * The face-login app's challenge as its clients read it (docs/face-login.md: the client
 * contract), shared by FaceLoginClient (the AWS SDK, for users, scripts and tests) and the
 * seeding's own client (enrolment.ts), which needs no SDK.
 */

export type Step = "ENROLL" | "FACE";

export interface Challenge {
  step: Step;
  uploadUrl: string;
  uploadKey: string;
  attemptsLeft: number;
  /** Why the previous answer was refused, in words a UI can show. */
  lastError?: string;
  /** Every public parameter, as Cognito returned them (for tests that look for leaks). */
  parameters: Record<string, string>;
  session: string;
  username: string;
}

/** Cognito's AuthenticationResult, as the SDK types it (only what the app reads is named). */
export interface Tokens {
  IdToken?: string;
  AccessToken?: string;
  RefreshToken?: string;
  ExpiresIn?: number;
  TokenType?: string;
}

export type Answered<T = Tokens> = { tokens: T; challenge?: undefined } | { challenge: Challenge; tokens?: undefined };

/** A password no one will ever type: the app signs in by face, never by password. */
export function randomPassword(): string {
  return `Aa1!${randomBytes(24).toString("base64url")}`;
}

/** InitiateAuth's or RespondToAuthChallenge's answer as the app's next round. */
export function challengeOf(answer: { ChallengeName?: string; ChallengeParameters?: Record<string, string>; Session?: string }, email: string): Challenge {
  const p = answer.ChallengeParameters ?? {};
  if (answer.ChallengeName !== "CUSTOM_CHALLENGE" || !answer.Session || (p.step !== "ENROLL" && p.step !== "FACE")) {
    throw new Error(`unexpected answer from Cognito: ${JSON.stringify({ ChallengeName: answer.ChallengeName, ChallengeParameters: p })}`);
  }
  return {
    step: p.step,
    uploadUrl: p.uploadUrl!,
    uploadKey: p.uploadKey!,
    attemptsLeft: Number(p.attemptsLeft ?? 0),
    ...(p.lastError ? { lastError: p.lastError } : {}),
    parameters: p,
    session: answer.Session,
    username: p.USERNAME ?? email,
  };
}

export function contentTypeOf(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  return "application/octet-stream";
}

/** A message of rekognito's mailbox (GET /_rekognito/mailbox?address=), as far as the flow reads it. */
export interface Mail {
  code: string | null;
  sentAt: string;
}

/** The newest code among the messages after the first `after` (to read only what was sent after a point). */
export function newestCode(messages: Mail[], after = 0): string | undefined {
  const withCode = messages.filter((m, i) => m.code && i >= after);
  return withCode[withCode.length - 1]?.code ?? undefined;
}
