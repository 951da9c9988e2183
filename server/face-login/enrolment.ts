import { StackCallError, type StackClient } from "../provisioning/client.js";
import { challengeOf, contentTypeOf, randomPassword, type Answered, type Challenge, type Mail } from "./challenge.js";

/**
 * The face-login app's sign-up flow as seeding runs it: the requests FaceLoginClient sends
 * (SignUp, InitiateAuth, the PUT to the presigned URL, RespondToAuthChallenge) and the mailbox
 * read, through a StackClient: in-process for the stack's own seeding (no socket, no SDK to
 * load), over HTTP otherwise. The app's Lambdas run as ever: the triggers, the S3 event and
 * index-faces are the same.
 */
export class EnrolmentClient {
  constructor(
    private readonly stack: StackClient,
    /** The stack's endpoint: the mailbox is read there (a URL the transport maps to the stack). */
    private readonly endpoint: string,
    private readonly userPoolClientId: string,
    /**
     * Resolves when the stack's asynchronous invocations so far have finished (LambdaInvoker's
     * drain), for a stack in this process: an upload then waits for its S3 event's function
     * (index-faces), so the answer after it finds the document's outcome recorded instead of
     * Verify polling the table for it (~50 ms a persona).
     */
    private readonly settled?: () => Promise<void>,
  ) {}

  async signUp(email: string): Promise<"created" | "exists"> {
    try {
      await this.stack.json("cognito-idp", "SignUp", { ClientId: this.userPoolClientId, Username: email, Password: randomPassword(), UserAttributes: [{ Name: "email", Value: email }] });
      return "created";
    } catch (error) {
      if ((error as Error).name === "UsernameExistsException") return "exists";
      throw error;
    }
  }

  async start(email: string): Promise<Challenge> {
    const answer = await this.stack.json("cognito-idp", "InitiateAuth", { ClientId: this.userPoolClientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: email } });
    return challengeOf(answer, email);
  }

  async upload(challenge: Pick<Challenge, "uploadUrl">, photo: Uint8Array): Promise<void> {
    const answer = await this.stack.unsigned("PUT", challenge.uploadUrl, { "content-type": contentTypeOf(photo) }, Buffer.from(photo));
    if (answer.status >= 300) throw new Error(`upload refused: ${answer.status} ${answer.body.toString("utf8")}`);
    await this.settled?.();
  }

  async answer(challenge: Pick<Challenge, "session" | "username">, answer: string): Promise<Answered> {
    const result = await this.stack.json("cognito-idp", "RespondToAuthChallenge", {
      ClientId: this.userPoolClientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: challenge.session,
      ChallengeResponses: { USERNAME: challenge.username, ANSWER: answer },
    });
    if (result.AuthenticationResult) return { tokens: result.AuthenticationResult };
    return { challenge: challengeOf(result, challenge.username) };
  }

  /** The address's messages in rekognito's mailbox (GET /_rekognito/mailbox?address=). */
  async mails(email: string): Promise<Mail[]> {
    const answer = await this.stack.unsigned("GET", `${this.endpoint}/_rekognito/mailbox?address=${encodeURIComponent(email)}`);
    if (answer.status !== 200) throw new StackCallError(`Http${answer.status}`, `mailbox: ${answer.status}`, answer.status);
    return JSON.parse(answer.body.toString("utf8")) as Mail[];
  }
}
