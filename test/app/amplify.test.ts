import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut, signUp } from "aws-amplify/auth";
import { mailCount, mailedCode, randomPassword } from "../../server/face-login/face-login-client.js";
import { fixtureOfKind, photo, readPersonas, startApp, usedAppReason, type AppUnderTest } from "./helpers.js";

/**
 * The client contract through Amplify JS v6, unmodified, as a web page would use it: signUp,
 * signIn with CUSTOM_WITHOUT_SRP, the challenge parameters in nextStep.additionalInfo, a PUT to
 * uploadUrl, confirmSignIn with the code (ENROLL) or the uploadKey (FACE).
 */

const mei = readPersonas().find((p) => p.id === "mei")!;
let app: AppUnderTest;

// Against an external stack (REKOGNITO_TEST_ENDPOINT) startApp resets it first; should that fail,
// the test skips with the reason printed: see usedAppReason in helpers.ts.
let unusable: string | undefined;

beforeAll(async () => {
  app = await startApp();
  unusable = await usedAppReason(app);
  if (unusable) console.log(`[skip] app/amplify.test.ts: ${unusable}`);
  Amplify.configure({ Auth: { Cognito: { userPoolId: app.resources.userPoolId, userPoolClientId: app.resources.userPoolClientId, userPoolEndpoint: app.endpoint } } });
});
beforeEach((context) => {
  if (unusable) context.skip(unusable);
});
afterAll(() => app?.close());

type Info = { step: string; uploadUrl: string; uploadKey: string; lastError?: string };
const infoOf = (result: { nextStep: unknown }) => (result.nextStep as { additionalInfo: Info }).additionalInfo;
const put = async (url: string, body: Buffer) => expect((await fetch(url, { method: "PUT", body: new Uint8Array(body) })).status).toBe(200);

describe("Amplify JS v6 against the face-login app", () => {
  it("signs up, enrols with the mailed code, then signs in with a selfie after a refused one", async () => {
    const signedUp = await signUp({ username: mei.email, password: randomPassword(), options: { userAttributes: { email: mei.email } } });
    expect(signedUp.isSignUpComplete).toBe(true);

    const before = await mailCount(app.endpoint, mei.email);
    const enrolment = await signIn({ username: mei.email, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } });
    expect(enrolment.nextStep.signInStep).toBe("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
    const enrol = infoOf(enrolment);
    expect(enrol.step).toBe("ENROLL");
    await put(enrol.uploadUrl, photo(mei.document));
    const enrolled = await confirmSignIn({ challengeResponse: (await mailedCode(app.endpoint, mei.email, { after: before }))! });
    expect(enrolled.isSignedIn).toBe(true);
    expect((await fetchAuthSession()).tokens?.idToken?.payload.email).toBe(mei.email);
    await signOut();

    const started = await signIn({ username: mei.email, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } });
    const face = infoOf(started);
    expect(face.step).toBe("FACE");
    await put(face.uploadUrl, photo(fixtureOfKind("no-face")));
    const refused = await confirmSignIn({ challengeResponse: face.uploadKey });
    expect(refused.isSignedIn).toBe(false);
    const again = infoOf(refused);
    expect(again.lastError).toMatch(/could not find a face/);
    await put(again.uploadUrl, photo(mei.selfies[0]!));
    const done = await confirmSignIn({ challengeResponse: again.uploadKey });
    expect(done.isSignedIn).toBe(true);
    expect((await fetchAuthSession()).tokens?.idToken?.payload.email_verified).toBe(true);
    await signOut();
  });
});
