/**
 * A terminal client of the face-login app: walks the custom-auth flow step by step and prints
 * each one. The first demo, before any web page.
 *
 *   npm run login -- signup <email> <document photo>     sign up and enrol (ENROLL round)
 *   npm run login -- <email> <selfie> [<selfie> ...]      sign in; each extra photo is the next try
 *
 * Against rekognito (the default, http://127.0.0.1:4566, or $AWS_ENDPOINT_URL) the app's names
 * come from /_rekognito/health and the mailed code from /_rekognito/mailbox. Against AWS (set
 * USER_POOL_CLIENT_ID and AWS_REGION, leave AWS_ENDPOINT_URL unset) it asks for the code.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { FaceLoginClient, mailCount, mailedCode, type Answered, type Challenge } from "../server/face-login/face-login-client.js";

// This runs on Node 20: the SDK's notice that its 2027 releases need Node 22 would land in the
// middle of the steps printed below, and says nothing about the sign-in.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = `usage:
  npm run login -- signup <email> <document photo>
  npm run login -- <email> <selfie photo> [<another photo> ...]`;

function say(step: string, text: string): void {
  process.stdout.write(`${step.padEnd(10)} ${text}\n`);
}

function describe(challenge: Challenge): void {
  say("challenge", `step ${challenge.step}, ${challenge.attemptsLeft} attempt(s) left`);
  if (challenge.lastError) say("", `lastError: ${challenge.lastError}`);
  say("", `uploadKey ${challenge.uploadKey}`);
  say("", `uploadUrl ${challenge.uploadUrl.split("?")[0]}?... (presigned PUT)`);
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

function signedIn(answered: Answered): boolean {
  if (!answered.tokens) return false;
  const claims = claimsOf(answered.tokens.IdToken!);
  say("tokens", `signed in: sub ${claims.sub}, email ${claims.email}, email_verified ${claims.email_verified}`);
  say("", `id token expires in ${answered.tokens.ExpiresIn} s; access and refresh tokens received`);
  return true;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const signup = args[0] === "signup";
  const [email, ...photos] = signup ? args.slice(1) : args;
  if (!email || photos.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const toAws = !process.env.AWS_ENDPOINT_URL && !!process.env.USER_POOL_CLIENT_ID;
  const endpoint = toAws ? undefined : (process.env.AWS_ENDPOINT_URL ?? "http://127.0.0.1:4566");
  let region = process.env.AWS_REGION ?? "us-east-1";
  let clientId = process.env.USER_POOL_CLIENT_ID;
  if (endpoint && !clientId) {
    const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { resources?: { userPoolClientId: string; region: string } };
    if (!health.resources) throw new Error(`${endpoint} has no face-login app provisioned: start it with npm start (not --bare)`);
    clientId = health.resources.userPoolClientId;
    region = health.resources.region;
  }
  say("target", endpoint ? `rekognito at ${endpoint}` : `AWS (${region})`);
  say("", `app client ${clientId}`);
  const client = new FaceLoginClient({ endpoint, region, userPoolClientId: clientId! });

  if (signup) {
    const created = await client.signUp(email);
    say("SignUp", created === "created" ? `${email} signed up (random password, confirmed by the PreSignUp trigger)` : `${email} already exists: enrolling it`);
  }
  const before = endpoint ? await mailCount(endpoint, email) : 0;
  say("Initiate", `InitiateAuth CUSTOM_AUTH for ${email}`);
  let challenge = await client.start(email);
  describe(challenge);

  for (let i = 0; ; i++) {
    const photo = photos[Math.min(i, photos.length - 1)]!;
    if (i >= photos.length && challenge.step === "FACE") {
      say("stop", "no more photos to try");
      return 1;
    }
    let answer: string;
    if (challenge.step === "ENROLL") {
      if (!signup && i === 0) say("note", "this user has no face enrolled yet: using the photo as the ID document");
      await client.upload(challenge, readFileSync(photo));
      say("upload", `PUT ${photo} -> documents bucket, key ${challenge.uploadKey}`);
      if (endpoint) {
        const code = await mailedCode(endpoint, email, { after: before });
        if (!code) throw new Error("no code in the mailbox");
        say("mailbox", `code ${code} (read from ${endpoint}/_rekognito/mailbox)`);
        answer = code;
      } else {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        answer = (await rl.question(`code mailed to ${email}: `)).trim();
        rl.close();
      }
    } else {
      await client.upload(challenge, readFileSync(photo));
      say("upload", `PUT ${photo} -> sign-in bucket, key ${challenge.uploadKey}`);
      answer = challenge.uploadKey;
    }
    say("Respond", `RespondToAuthChallenge with ${challenge.step === "ENROLL" ? "the code" : "the uploadKey"}`);
    let answered: Answered;
    try {
      answered = await client.answer(challenge, answer);
    } catch (error) {
      say("refused", `${(error as Error).name}: ${(error as Error).message}`);
      return 1;
    }
    if (signedIn(answered)) return 0;
    challenge = answered.challenge!;
    describe(challenge);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`login: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
