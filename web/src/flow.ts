import { confirmSignIn, fetchAuthSession, signIn, signOut, signUp } from "aws-amplify/auth";

/**
 * The face-login app's client contract (README, "The client contract") through Amplify JS v6:
 * signUp with a random password, signIn with CUSTOM_WITHOUT_SRP (Cognito's CUSTOM_AUTH), the
 * challenge's public parameters from nextStep.additionalInfo, a PUT to uploadUrl, and
 * confirmSignIn with the mailed code (ENROLL) or the uploadKey (FACE).
 */

export type Step = "ENROLL" | "FACE";

export interface Challenge {
  step: Step;
  /** A presigned PUT at a key the server chose for this challenge. */
  uploadUrl: string;
  uploadKey: string;
  attemptsLeft: number;
  /** Why the previous answer was refused, in words to show. */
  lastError?: string;
}

export type Progress = { signedIn: true } | { signedIn: false; challenge: Challenge };

/** A password nobody types: sign-in is by face. 24 random bytes, and one of each class the pool's policy asks for. */
export function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `Aa1!${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** SignUp; an address that already has an account is no error here: it goes on to sign in. */
export async function register(email: string): Promise<"created" | "exists"> {
  try {
    await signUp({ username: email, password: randomPassword(), options: { userAttributes: { email } } });
    return "created";
  } catch (error) {
    if ((error as Error).name === "UsernameExistsException") return "exists";
    throw error;
  }
}

function progressOf(result: { isSignedIn: boolean; nextStep: { signInStep: string } }): Progress {
  if (result.isSignedIn) return { signedIn: true };
  if (result.nextStep.signInStep !== "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE") {
    throw new Error(`the user pool asked for ${result.nextStep.signInStep}, which this app does not handle`);
  }
  const info = ((result.nextStep as { additionalInfo?: Record<string, string> }).additionalInfo ?? {}) as Record<string, string>;
  if ((info.step !== "ENROLL" && info.step !== "FACE") || !info.uploadUrl || !info.uploadKey) {
    throw new Error("the challenge is not the face-login app's (no step, uploadUrl or uploadKey)");
  }
  return {
    signedIn: false,
    challenge: {
      step: info.step,
      uploadUrl: info.uploadUrl,
      uploadKey: info.uploadKey,
      attemptsLeft: Number(info.attemptsLeft ?? 3),
      ...(info.lastError ? { lastError: info.lastError } : {}),
    },
  };
}

/** InitiateAuth (CUSTOM_AUTH): the first round, ENROLL (no face yet) or FACE. */
export async function start(email: string): Promise<Progress> {
  // A session left from an earlier visit would make Amplify refuse a new sign-in.
  await signOut().catch(() => undefined);
  return progressOf(await signIn({ username: email, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } }));
}

/** RespondToAuthChallenge: tokens, or the next round with lastError. A third wrong answer throws NotAuthorizedException. */
export async function answer(text: string): Promise<Progress> {
  return progressOf(await confirmSignIn({ challengeResponse: text }));
}

/** PUT the photo to the challenge's presigned URL. */
export async function upload(challenge: Challenge, photo: Blob): Promise<void> {
  const response = await fetch(challenge.uploadUrl, { method: "PUT", body: photo });
  if (!response.ok) {
    const text = await response.text();
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    throw new Error(`the upload was refused (HTTP ${response.status}${code ? ` ${code}` : ""})`);
  }
}

/** The signed-in user's ID token claims, or undefined when nobody is signed in. */
export async function idTokenClaims(): Promise<Record<string, unknown> | undefined> {
  try {
    const session = await fetchAuthSession();
    return session.tokens?.idToken?.payload as Record<string, unknown> | undefined;
  } catch {
    return undefined;
  }
}

export { signOut };
