import { randomBytes } from "node:crypto";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from "@aws-sdk/client-cognito-identity-provider";

/**
 * A client of the face-login app, exactly as the README's client contract describes it, with
 * the unmodified Cognito SDK client and plain HTTP PUTs to the presigned upload URLs. Used by
 * `npm start -- --seed`, `npm run login` and the end-to-end tests; works against AWS too.
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

export type Answered = { tokens: AuthenticationResultType; challenge?: undefined } | { challenge: Challenge; tokens?: undefined };

export interface FaceLoginClientOptions {
  region: string;
  userPoolClientId: string;
  /** The stack's endpoint; omit to talk to AWS. */
  endpoint?: string;
  cognito?: CognitoIdentityProviderClient;
}

/** A password no one will ever type: the app signs in by face, never by password. */
export function randomPassword(): string {
  return `Aa1!${randomBytes(24).toString("base64url")}`;
}

export class FaceLoginClient {
  readonly cognito: CognitoIdentityProviderClient;
  constructor(private readonly options: FaceLoginClientOptions) {
    this.cognito =
      options.cognito ??
      new CognitoIdentityProviderClient({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } } : {}),
      });
  }

  /** SignUp with the email as username and a random password. "exists" when the address is taken. */
  async signUp(email: string): Promise<"created" | "exists"> {
    try {
      await this.cognito.send(
        new SignUpCommand({ ClientId: this.options.userPoolClientId, Username: email, Password: randomPassword(), UserAttributes: [{ Name: "email", Value: email }] }),
      );
      return "created";
    } catch (error) {
      if ((error as Error).name === "UsernameExistsException") return "exists";
      throw error;
    }
  }

  /** InitiateAuth (CUSTOM_AUTH): the first round, ENROLL or FACE. */
  async start(email: string): Promise<Challenge> {
    const answer = await this.cognito.send(
      new InitiateAuthCommand({ ClientId: this.options.userPoolClientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: email } }),
    );
    return challengeOf(answer, email);
  }

  /** PUTs a photo to the challenge's presigned URL. */
  async upload(challenge: Pick<Challenge, "uploadUrl">, photo: Uint8Array, contentType = contentTypeOf(photo)): Promise<void> {
    const response = await fetch(challenge.uploadUrl, { method: "PUT", body: Buffer.from(photo), headers: { "content-type": contentType } });
    if (!response.ok) throw new Error(`upload refused: ${response.status} ${await response.text()}`);
  }

  /** RespondToAuthChallenge: tokens, or the next round (with lastError). */
  async answer(challenge: Pick<Challenge, "session" | "username">, answer: string): Promise<Answered> {
    const result = await this.cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: this.options.userPoolClientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: challenge.session,
        ChallengeResponses: { USERNAME: challenge.username, ANSWER: answer },
      }),
    );
    if (result.AuthenticationResult) return { tokens: result.AuthenticationResult };
    return { challenge: challengeOf(result, challenge.username) };
  }
}

function challengeOf(answer: { ChallengeName?: string; ChallengeParameters?: Record<string, string>; Session?: string; AuthenticationResult?: unknown }, email: string): Challenge {
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

/** The newest code mailed to an address, read from rekognito's mailbox (GET /_rekognito/mailbox). */
export async function mailedCode(endpoint: string, email: string, options: { after?: number } = {}): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
  if (!response.ok) throw new Error(`mailbox: ${response.status}`);
  const messages = (await response.json()) as { code: string | null; sentAt: string }[];
  const after = options.after ?? 0;
  const withCode = messages.filter((m) => m.code && messages.indexOf(m) >= after);
  return withCode[withCode.length - 1]?.code ?? undefined;
}

/** How many messages an address has (to read only the ones sent after a point). */
export async function mailCount(endpoint: string, email: string): Promise<number> {
  const response = await fetch(`${endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
  return ((await response.json()) as unknown[]).length;
}
