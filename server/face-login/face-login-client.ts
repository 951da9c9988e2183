import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from "@aws-sdk/client-cognito-identity-provider";
import { challengeOf, contentTypeOf, newestCode, randomPassword, type Answered as AnsweredWith, type Challenge, type Mail } from "./challenge.js";

export { challengeOf, contentTypeOf, randomPassword, type Challenge, type Step } from "./challenge.js";

/**
 * A client of the face-login app, exactly as the README's client contract describes it, with
 * the unmodified Cognito SDK client and plain HTTP PUTs to the presigned upload URLs. Used by
 * `npm run login` and the end-to-end tests; works against AWS too. (Seeding runs the same flow
 * without the SDK: enrolment.ts.)
 */

export type Answered = AnsweredWith<AuthenticationResultType>;

export interface FaceLoginClientOptions {
  region: string;
  userPoolClientId: string;
  /** The stack's endpoint; omit to talk to AWS. */
  endpoint?: string;
  cognito?: CognitoIdentityProviderClient;
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

  /** The address's messages in rekognito's mailbox (against a stack: the endpoint's GET /_rekognito/mailbox). */
  async mails(email: string): Promise<Mail[]> {
    if (!this.options.endpoint) throw new Error("the mailbox is rekognito's: this client talks to AWS");
    const response = await fetch(`${this.options.endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
    if (!response.ok) throw new Error(`mailbox: ${response.status}`);
    return (await response.json()) as Mail[];
  }
}

/** The newest code mailed to an address, read from rekognito's mailbox (GET /_rekognito/mailbox). */
export async function mailedCode(endpoint: string, email: string, options: { after?: number } = {}): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
  if (!response.ok) throw new Error(`mailbox: ${response.status}`);
  return newestCode((await response.json()) as Mail[], options.after);
}

/** How many messages an address has (to read only the ones sent after a point). */
export async function mailCount(endpoint: string, email: string): Promise<number> {
  const response = await fetch(`${endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
  return ((await response.json()) as unknown[]).length;
}
