import {
  AdminCreateUserCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  SetUserPoolMfaConfigCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { Amplify } from "aws-amplify";
import {
  autoSignIn,
  confirmResetPassword,
  confirmSignIn,
  confirmSignUp,
  confirmUserAttribute,
  deleteUser,
  deleteUserAttributes,
  fetchAuthSession,
  fetchMFAPreference,
  fetchUserAttributes,
  getCurrentUser,
  resendSignUpCode,
  resetPassword,
  sendUserAttributeVerificationCode,
  setUpTOTP,
  signIn,
  signOut,
  signUp,
  updateMFAPreference,
  updatePassword,
  updateUserAttribute,
  updateUserAttributes,
  verifyTOTPSetup,
} from "aws-amplify/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { totpCode } from "../../server/cognito/totp.js";
import { startStack, type Stack } from "../../server/stack.js";
import { failure } from "../support/failure.js";
import { clients, deployTrigger, mailbox, TRIGGER_SOURCES } from "./helpers.js";

/**
 * The judge: every Amplify JS v6 Auth API, unmodified, in Node, against a started stack. The
 * stack's clock starts at the real time (Amplify checks token expiry with it) and moves 30 s
 * between TOTP codes, which the test computes from the secret and the stack's clock.
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
const clock = new ManualClock(Date.now());
let optional: { poolId: string; clientId: string };
let required: { poolId: string; clientId: string };

// Define for Amplify's CUSTOM_WITH_SRP: the password first (SRP_A, then PASSWORD_VERIFIER), then one custom challenge.
const DEFINE_WITH_SRP = `exports.handler = async (event) => {
  const s = event.request.session;
  const last = s[s.length - 1];
  const r = event.response;
  r.issueTokens = false; r.failAuthentication = false;
  if (last && last.challengeName === "SRP_A") r.challengeName = "PASSWORD_VERIFIER";
  else if (last && last.challengeName === "PASSWORD_VERIFIER") { if (last.challengeResult) r.challengeName = "CUSTOM_CHALLENGE"; else r.failAuthentication = true; }
  else if (last && last.challengeName === "CUSTOM_CHALLENGE" && last.challengeResult) r.issueTokens = true;
  else if (s.filter((x) => !x.challengeResult).length >= 3) r.failAuthentication = true;
  else r.challengeName = "CUSTOM_CHALLENGE";
  return event;
};`;

const PASSWORD = "Str0ng!Passw0rd";
const configure = (pool: { poolId: string; clientId: string }) =>
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: stack.endpoint } } });
const lastCode = async (address: string) => (await mailbox(stack.endpoint, address)).at(-1)?.code ?? undefined;
/** The authenticator app's code now, after moving past the step of the last code used (each code works once). */
const nextTotp = (secret: string) => {
  clock.advance(30_000);
  return totpCode(secret, clock.now());
};
const step = (result: { nextStep: { signInStep: string } }) => result.nextStep.signInStep;

beforeAll(async () => {
  stack = await startStack({ clock });
  ({ cognito } = clients(stack.endpoint));
  const { lambda } = clients(stack.endpoint);
  const [define, create, verify] = await Promise.all([
    deployTrigger(lambda, "amplify-auth-define", DEFINE_WITH_SRP),
    deployTrigger(lambda, "amplify-auth-create", TRIGGER_SOURCES.create),
    deployTrigger(lambda, "amplify-auth-verify", TRIGGER_SOURCES.verify),
  ]);
  const makePool = async (name: string, mfa: "OPTIONAL" | "ON") => {
    const pool = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: name,
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "EMAIL_OTP"] } },
        LambdaConfig: { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verify },
      }),
    );
    const poolId = pool.UserPool!.Id!;
    await cognito.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: poolId,
        MfaConfiguration: mfa,
        SoftwareTokenMfaConfiguration: { Enabled: true },
        EmailMfaConfiguration: { Message: "Your sign-in code is {####}", Subject: "Sign-in code" },
      }),
    );
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: "web",
        ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    );
    return { poolId, clientId: client.UserPoolClient!.ClientId! };
  };
  optional = await makePool("amplify-optional-mfa", "OPTIONAL");
  required = await makePool("amplify-required-mfa", "ON");
});

afterAll(async () => {
  await stack?.close();
});

describe("Amplify JS v6 Auth, every API", () => {
  const ada = "ada@example.com";

  it("signUp, resendSignUpCode, confirmSignUp, then signIn with the default SRP flow, getCurrentUser, fetchUserAttributes, fetchAuthSession with refresh", async () => {
    configure(optional);
    const signedUp = await signUp({ username: ada, password: PASSWORD, options: { userAttributes: { email: ada, name: "Ada" } } });
    expect(signedUp.nextStep).toMatchObject({ signUpStep: "CONFIRM_SIGN_UP", codeDeliveryDetails: { deliveryMedium: "EMAIL", destination: "a***@e***" } });
    const first = await lastCode(ada);
    const resent = await resendSignUpCode({ username: ada });
    expect(resent.destination).toBe("a***@e***");
    const second = await lastCode(ada);
    expect(second).not.toBe(first);
    expect(await confirmSignUp({ username: ada, confirmationCode: second! })).toMatchObject({ isSignUpComplete: true });

    const signedIn = await signIn({ username: ada, password: PASSWORD });
    expect(signedIn).toMatchObject({ isSignedIn: true, nextStep: { signInStep: "DONE" } });
    const user = await getCurrentUser();
    expect(user.signInDetails).toMatchObject({ loginId: ada, authFlowType: "USER_SRP_AUTH" });
    expect(await fetchUserAttributes()).toMatchObject({ email: ada, email_verified: "true", name: "Ada" });
    const session = await fetchAuthSession();
    const refreshed = await fetchAuthSession({ forceRefresh: true });
    expect(refreshed.tokens?.accessToken.payload.origin_jti).toBe(session.tokens?.accessToken.payload.origin_jti);
    expect(refreshed.tokens?.idToken?.payload.jti).not.toBe(session.tokens?.idToken?.payload.jti);
  });

  it("a wrong password through SRP is 'Incorrect username or password.'", async () => {
    await signOut();
    await expect(signIn({ username: ada, password: "Wr0ng!Passw0rd" })).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("updateUserAttributes, confirmUserAttribute with the mailed code, sendUserAttributeVerificationCode, updateUserAttribute, deleteUserAttributes", async () => {
    await signIn({ username: ada, password: PASSWORD });
    const updated = await updateUserAttributes({ userAttributes: { name: "Ada L.", email: "ada.l@example.com" } });
    expect(updated.name).toMatchObject({ isUpdated: true, nextStep: { updateAttributeStep: "DONE" } });
    expect(updated.email?.nextStep).toMatchObject({ updateAttributeStep: "CONFIRM_ATTRIBUTE_WITH_CODE", codeDeliveryDetails: { deliveryMedium: "EMAIL" } });
    expect(await fetchUserAttributes()).toMatchObject({ email: "ada.l@example.com", email_verified: "false", name: "Ada L." });
    const again = await sendUserAttributeVerificationCode({ userAttributeKey: "email" });
    expect(again.destination).toBe("a***@e***");
    await expect(confirmUserAttribute({ userAttributeKey: "email", confirmationCode: "000000" })).rejects.toMatchObject({ name: "CodeMismatchException" });
    await confirmUserAttribute({ userAttributeKey: "email", confirmationCode: (await lastCode("ada.l@example.com"))! });
    expect(await fetchUserAttributes()).toMatchObject({ email: "ada.l@example.com", email_verified: "true" });
    expect((await updateUserAttribute({ userAttribute: { attributeKey: "locale", value: "en-GB" } })).isUpdated).toBe(true);
    expect((await fetchUserAttributes()).locale).toBe("en-GB");
    await deleteUserAttributes({ userAttributeKeys: ["name"] });
    expect((await fetchUserAttributes()).name).toBeUndefined();
  });

  it("updatePassword, then USER_PASSWORD_AUTH with the new one", async () => {
    await expect(updatePassword({ oldPassword: "Wr0ng!Passw0rd", newPassword: "N3w!Passw0rd" })).rejects.toMatchObject({ name: "NotAuthorizedException" });
    await expect(updatePassword({ oldPassword: PASSWORD, newPassword: "short" })).rejects.toMatchObject({
      name: "InvalidPasswordException",
      message: expect.stringMatching(/^Password did not conform with policy: /),
    });
    await updatePassword({ oldPassword: PASSWORD, newPassword: "N3w!Passw0rd" });
    await signOut();
    const signedIn = await signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd", options: { authFlowType: "USER_PASSWORD_AUTH" } });
    expect(signedIn.isSignedIn).toBe(true);
  });

  it("setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference; signIn then asks the TOTP code", async () => {
    const setup = await setUpTOTP();
    expect(setup.getSetupUri("rekognito").href).toMatch(/^otpauth:\/\/totp\/rekognito:/);
    await expect(verifyTOTPSetup({ code: "000000" })).rejects.toMatchObject({ name: "EnableSoftwareTokenMFAException" });
    await verifyTOTPSetup({ code: nextTotp(setup.sharedSecret) });
    await updateMFAPreference({ totp: "PREFERRED" });
    expect(await fetchMFAPreference()).toEqual({ preferred: "TOTP", enabled: ["TOTP"] });
    await signOut();

    const started = await signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd" });
    expect(step(started)).toBe("CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    await expect(confirmSignIn({ challengeResponse: "000000" })).rejects.toMatchObject({ name: "CodeMismatchException", message: "Invalid code or auth state for the user." });
    const done = await confirmSignIn({ challengeResponse: nextTotp(setup.sharedSecret) });
    expect(done.isSignedIn).toBe(true);
  });

  it("email as a second factor, and SELECT_MFA_TYPE when both are on and none preferred", async () => {
    await updateMFAPreference({ totp: "DISABLED", email: "PREFERRED" });
    expect(await fetchMFAPreference()).toEqual({ preferred: "EMAIL", enabled: ["EMAIL"] });
    await signOut();
    const started = await signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd", options: { authFlowType: "USER_PASSWORD_AUTH" } });
    expect(started.nextStep).toMatchObject({ signInStep: "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", codeDeliveryDetails: { deliveryMedium: "EMAIL", destination: "a***@e***" } });
    const mail = (await mailbox(stack.endpoint, "ada.l@example.com")).at(-1)!;
    expect(mail).toMatchObject({ subject: "Sign-in code", reason: "Authentication" });
    expect(mail.body).toBe(`Your sign-in code is ${mail.code}`);
    expect((await confirmSignIn({ challengeResponse: mail.code! })).isSignedIn).toBe(true);

    // TOTP again (a fresh secret, verified), both on, neither preferred.
    const setup = await setUpTOTP();
    await verifyTOTPSetup({ code: nextTotp(setup.sharedSecret) });
    await updateMFAPreference({ totp: "NOT_PREFERRED", email: "NOT_PREFERRED" });
    expect(await fetchMFAPreference()).toEqual({ enabled: ["EMAIL", "TOTP"] });
    await signOut();
    const choosing = await signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd" });
    expect(choosing.nextStep).toMatchObject({ signInStep: "CONTINUE_SIGN_IN_WITH_MFA_SELECTION", allowedMFATypes: ["TOTP", "EMAIL"] });
    expect(step(await confirmSignIn({ challengeResponse: "TOTP" }))).toBe("CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    expect((await confirmSignIn({ challengeResponse: nextTotp(setup.sharedSecret) })).isSignedIn).toBe(true);
    await updateMFAPreference({ totp: "DISABLED", email: "DISABLED" });
  });

  it("signOut with global ends the access token; without, ends the refresh token", async () => {
    const { tokens } = await fetchAuthSession();
    await signOut({ global: true });
    expect((await failure(cognito.send(new GetUserCommand({ AccessToken: tokens!.accessToken.toString() })))).message).toBe("Access Token has been revoked");
    await signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd" });
    const local = (await fetchAuthSession()).tokens!;
    await signOut();
    // RevokeToken revoked the refresh token and the tokens issued with it.
    expect((await failure(cognito.send(new GetUserCommand({ AccessToken: local.accessToken.toString() })))).message).toBe("Access Token has been revoked");
  });

  it("resetPassword and confirmResetPassword with the mailed code", async () => {
    const reset = await resetPassword({ username: "ada.l@example.com" });
    expect(reset.nextStep).toMatchObject({ resetPasswordStep: "CONFIRM_RESET_PASSWORD_WITH_CODE", codeDeliveryDetails: { deliveryMedium: "EMAIL" } });
    await expect(confirmResetPassword({ username: "ada.l@example.com", confirmationCode: "000000", newPassword: "R3set!Passw0rd" })).rejects.toMatchObject({
      name: "CodeMismatchException",
      message: "Invalid verification code provided, please try again.",
    });
    await confirmResetPassword({ username: "ada.l@example.com", confirmationCode: (await lastCode("ada.l@example.com"))!, newPassword: "R3set!Passw0rd" });
    await expect(signIn({ username: "ada.l@example.com", password: "N3w!Passw0rd" })).rejects.toMatchObject({ name: "NotAuthorizedException" });
    expect((await signIn({ username: "ada.l@example.com", password: "R3set!Passw0rd" })).isSignedIn).toBe(true);
    await signOut();
  });

  it("USER_AUTH: passwordless with EMAIL_OTP, the first factor chosen (PASSWORD, PASSWORD_SRP, EMAIL_OTP), and PASSWORD_SRP preferred", async () => {
    const email = "ada.l@example.com";
    const otp = await signIn({ username: email, options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" } });
    expect(otp.nextStep).toMatchObject({ signInStep: "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", codeDeliveryDetails: { destination: "a***@e***" } });
    expect((await lastCode(email))!).toMatch(/^\d{8}$/);
    expect((await confirmSignIn({ challengeResponse: (await lastCode(email))! })).isSignedIn).toBe(true);
    await signOut();

    for (const [choice, answer] of [["PASSWORD", "R3set!Passw0rd"], ["PASSWORD_SRP", "R3set!Passw0rd"], ["EMAIL_OTP", undefined]] as const) {
      const started = await signIn({ username: email, options: { authFlowType: "USER_AUTH" } });
      expect(started.nextStep).toMatchObject({
        signInStep: "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
        availableChallenges: ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"],
      });
      const chosen = await confirmSignIn({ challengeResponse: choice });
      expect(step(chosen)).toBe(choice === "EMAIL_OTP" ? "CONFIRM_SIGN_IN_WITH_EMAIL_CODE" : "CONFIRM_SIGN_IN_WITH_PASSWORD");
      const done = await confirmSignIn({ challengeResponse: answer ?? (await lastCode(email))! });
      expect(done.isSignedIn, choice).toBe(true);
      await signOut();
    }

    const srp = await signIn({ username: email, password: "R3set!Passw0rd", options: { authFlowType: "USER_AUTH", preferredChallenge: "PASSWORD_SRP" } });
    expect(srp.isSignedIn).toBe(true);
    await signOut();
  });

  it("CUSTOM_WITH_SRP: the password by SRP, then the custom challenge", async () => {
    const started = await signIn({ username: "ada.l@example.com", password: "R3set!Passw0rd", options: { authFlowType: "CUSTOM_WITH_SRP" } });
    expect(step(started)).toBe("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
    const hint = (started.nextStep as { additionalInfo?: Record<string, string> }).additionalInfo!.hint!;
    const done = await confirmSignIn({ challengeResponse: hint.replace("say ", "") });
    expect(done.isSignedIn).toBe(true);
    await signOut();
    await expect(signIn({ username: "ada.l@example.com", password: "Wr0ng!Passw0rd", options: { authFlowType: "CUSTOM_WITH_SRP" } })).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("signUp with autoSignIn: confirmSignUp, then autoSignIn signs the new user in (SRP)", async () => {
    const signedUp = await signUp({ username: "alan@example.com", password: PASSWORD, options: { userAttributes: { email: "alan@example.com" }, autoSignIn: true } });
    expect(signedUp.nextStep.signUpStep).toBe("CONFIRM_SIGN_UP");
    const confirmed = await confirmSignUp({ username: "alan@example.com", confirmationCode: (await lastCode("alan@example.com"))! });
    expect(confirmed.nextStep.signUpStep).toBe("COMPLETE_AUTO_SIGN_IN");
    expect((await autoSignIn()).isSignedIn).toBe(true);
    expect((await fetchUserAttributes()).email).toBe("alan@example.com");
    await signOut();
  });

  it("NEW_PASSWORD_REQUIRED for an invited user, then deleteUser", async () => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: optional.poolId, Username: "grace@example.com", TemporaryPassword: "Temp0rary!Pass", MessageAction: "SUPPRESS" }));
    const started = await signIn({ username: "grace@example.com", password: "Temp0rary!Pass" });
    expect(step(started)).toBe("CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED");
    expect((await confirmSignIn({ challengeResponse: "Gr4ce!Passw0rd" })).isSignedIn).toBe(true);
    const { tokens } = await fetchAuthSession();
    await deleteUser();
    expect((await failure(cognito.send(new GetUserCommand({ AccessToken: tokens!.accessToken.toString() })))).name).toMatch(/NotAuthorizedException|UserNotFoundException/);
    await expect(signIn({ username: "grace@example.com", password: "Gr4ce!Passw0rd" })).rejects.toMatchObject({ name: "UserNotFoundException" });
  });
});

describe("Amplify JS v6 Auth, a pool that requires MFA", () => {
  const make = async (email: string) => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: required.poolId, Username: email, TemporaryPassword: "Temp0rary!Pass", MessageAction: "SUPPRESS" }));
    configure(required);
    const started = await signIn({ username: email, password: "Temp0rary!Pass" });
    expect(step(started)).toBe("CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED");
    return confirmSignIn({ challengeResponse: PASSWORD });
  };

  it("sets TOTP up in the sign-in (MFA_SETUP), then asks for it", async () => {
    const choosing = await make("turing@example.com");
    expect(choosing.nextStep).toMatchObject({ signInStep: "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION", allowedMFATypes: ["TOTP", "EMAIL"] });
    const setup = await confirmSignIn({ challengeResponse: "TOTP" });
    expect(step(setup)).toBe("CONTINUE_SIGN_IN_WITH_TOTP_SETUP");
    const secret = (setup.nextStep as { totpSetupDetails: { sharedSecret: string } }).totpSetupDetails.sharedSecret;
    expect((await confirmSignIn({ challengeResponse: nextTotp(secret) })).isSignedIn).toBe(true);
    expect(await fetchMFAPreference()).toEqual({ preferred: "TOTP", enabled: ["TOTP"] });
    await signOut();
    expect(step(await signIn({ username: "turing@example.com", password: PASSWORD }))).toBe("CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    expect((await confirmSignIn({ challengeResponse: nextTotp(secret) })).isSignedIn).toBe(true);
    await signOut();
  });

  it("sets email MFA up in the sign-in: the address, then the code mailed to it", async () => {
    await make("hopper@example.com");
    const email = await confirmSignIn({ challengeResponse: "EMAIL" });
    expect(step(email)).toBe("CONTINUE_SIGN_IN_WITH_EMAIL_SETUP");
    const sent = await confirmSignIn({ challengeResponse: "hopper@example.com" });
    expect(step(sent)).toBe("CONFIRM_SIGN_IN_WITH_EMAIL_CODE");
    expect((await confirmSignIn({ challengeResponse: (await lastCode("hopper@example.com"))! })).isSignedIn).toBe(true);
    expect(await fetchMFAPreference()).toEqual({ preferred: "EMAIL", enabled: ["EMAIL"] });
    expect(await fetchUserAttributes()).toMatchObject({ email_verified: "true" });
    await signOut();
  });
});
