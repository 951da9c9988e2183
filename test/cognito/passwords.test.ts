import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserPasswordCommand,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { startStack, type Stack } from "../../server/stack.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, mailbox } from "./helpers.js";

/**
 * Passwords: the pool's policy in AWS's words, ForgotPassword and ConfirmForgotPassword with the
 * mailed code, ChangePassword, AdminSetUserPassword, AdminResetUserPassword, and temporary
 * passwords that expire after the pool's TemporaryPasswordValidityDays (the clock is moved).
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let open: CognitoIdentityProviderClient;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let poolId: string;
let clientId: string;
let hiddenClientId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  stack = await startStack({ clock });
  cognito = clients(stack.endpoint).cognito;
  open = unsignedCognito(stack.endpoint);
  poolId = (
    await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "passwords",
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false, TemporaryPasswordValidityDays: 3 } },
      }),
    )
  ).UserPool!.Id!;
  const client = async (prevent: "ENABLED" | "LEGACY") =>
    (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: prevent,
          ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          PreventUserExistenceErrors: prevent,
        }),
      )
    ).UserPoolClient!.ClientId!;
  clientId = await client("LEGACY");
  hiddenClientId = await client("ENABLED");
});

afterAll(async () => {
  await stack?.close();
});

const invite = (email: string, password = "Temporary12", verified = true) =>
  cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: email,
      TemporaryPassword: password,
      MessageAction: "SUPPRESS",
      UserAttributes: verified ? [{ Name: "email_verified", Value: "true" }] : [],
    }),
  );
const signIn = (email: string, password: string, id = clientId) =>
  open.send(new InitiateAuthCommand({ ClientId: id, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }));
const status = async (email: string) => (await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }))).UserStatus;
const lastCode = async (email: string) => (await mailbox(stack.endpoint, email)).at(-1)!;

describe("the pool's password policy", () => {
  it("is enforced everywhere a password is set, in AWS's words", async () => {
    expect(await failure(invite("short@example.com", "Short1a"))).toMatchObject({
      name: "InvalidPasswordException",
      message: "Password did not conform with policy: Password not long enough",
    });
    expect((await failure(invite("upper@example.com", "nouppercase12"))).message).toBe("Password did not conform with policy: Password must have uppercase characters");
    expect((await failure(invite("digits@example.com", "NoDigitsHere"))).message).toBe("Password did not conform with policy: Password must have numeric characters");
    await invite("policy@example.com");
    expect((await failure(cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "policy@example.com", Password: "lowercase12", Permanent: true })))).message).toBe(
      "Password did not conform with policy: Password must have uppercase characters",
    );
  });
});

describe("temporary passwords", () => {
  it("expire after TemporaryPasswordValidityDays; AdminCreateUser RESEND gives a new one", async () => {
    await invite("late@example.com");
    clock.advance(3 * DAY + 1);
    expect(await failure(signIn("late@example.com", "Temporary12"))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Temporary password has expired and must be reset by an administrator.",
    });
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "late@example.com", MessageAction: "RESEND" }));
    const mail = await lastCode("late@example.com");
    expect(mail).toMatchObject({ reason: "AdminCreateUser", subject: "Your temporary password" });
    expect(mail.body).toBe(`Your username is late@example.com and temporary password is ${mail.code}. `);
    expect((await signIn("late@example.com", mail.code!)).ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
  });

  it("AdminSetUserPassword: Permanent confirms the user; otherwise the password is temporary", async () => {
    await invite("set@example.com");
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "set@example.com", Password: "Permanent12", Permanent: true }));
    expect(await status("set@example.com")).toBe("CONFIRMED");
    expect((await signIn("set@example.com", "Permanent12")).AuthenticationResult?.AccessToken).toBeTruthy();
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "set@example.com", Password: "Temporary34", Permanent: false }));
    expect(await status("set@example.com")).toBe("FORCE_CHANGE_PASSWORD");
    const challenge = await signIn("set@example.com", "Temporary34");
    expect(challenge.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
    const done = await open.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: "set@example.com", NEW_PASSWORD: "MyOwnPass12" },
      }),
    );
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
    expect(await status("set@example.com")).toBe("CONFIRMED");
  });
});

describe("ForgotPassword and ConfirmForgotPassword", () => {
  it("mail a code; the old password works until the new one is set; the code works once", async () => {
    await invite("forgot@example.com");
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "forgot@example.com", Password: "OldPassword1", Permanent: true }));
    const sent = await open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "forgot@example.com" }));
    expect(sent.CodeDeliveryDetails).toEqual({ Destination: "f***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
    const mail = await lastCode("forgot@example.com");
    expect(mail).toMatchObject({ reason: "ForgotPassword", subject: "Your verification code" });
    expect(mail.code).toMatch(/^\d{6}$/);
    expect((await signIn("forgot@example.com", "OldPassword1")).AuthenticationResult).toBeDefined();
    const confirm = (code: string, password = "NewPassword1") =>
      open.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: "forgot@example.com", ConfirmationCode: code, Password: password }));
    expect(await failure(confirm("000000"))).toMatchObject({ name: "CodeMismatchException", message: "Invalid verification code provided, please try again." });
    expect((await failure(confirm(mail.code!, "weak"))).name).toBe("InvalidPasswordException");
    await confirm(mail.code!);
    expect(await failure(signIn("forgot@example.com", "OldPassword1"))).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    expect((await signIn("forgot@example.com", "NewPassword1")).AuthenticationResult).toBeDefined();
    expect(await failure(confirm(mail.code!))).toMatchObject({ name: "ExpiredCodeException", message: "Invalid code provided, please request a code again." });
  });

  it("a code expires after 24 hours, and five wrong guesses spend it", async () => {
    await open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "forgot@example.com" }));
    const code = (await lastCode("forgot@example.com")).code!;
    clock.advance(DAY + 1);
    const confirm = (c: string) => open.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: "forgot@example.com", ConfirmationCode: c, Password: "Another123" }));
    expect((await failure(confirm(code))).name).toBe("ExpiredCodeException");
    await open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "forgot@example.com" }));
    const fresh = (await lastCode("forgot@example.com")).code!;
    for (let i = 0; i < 5; i++) expect((await failure(confirm("999999"))).name).toBe("CodeMismatchException");
    expect(await failure(confirm(fresh))).toMatchObject({ name: "LimitExceededException", message: "Attempt limit exceeded, please try after some time." });
  });

  it("needs a verified address; an unknown user is UserNotFoundException, or a made-up delivery with PreventUserExistenceErrors", async () => {
    await invite("unverified@example.com", "Temporary12", false);
    expect(await failure(open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "unverified@example.com" })))).toMatchObject({
      name: "InvalidParameterException",
      message: "Cannot reset password for the user as there is no registered/verified email or phone_number",
    });
    expect((await failure(open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "nobody@example.com" })))).name).toBe("UserNotFoundException");
    const hidden = await open.send(new ForgotPasswordCommand({ ClientId: hiddenClientId, Username: "nobody@example.com" }));
    expect(hidden.CodeDeliveryDetails).toEqual({ Destination: "n***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
    expect(await mailbox(stack.endpoint, "nobody@example.com")).toEqual([]);
  });
});

describe("AdminResetUserPassword", () => {
  it("stops the password (PasswordResetRequiredException) until ConfirmForgotPassword with the mailed code", async () => {
    await invite("reset@example.com");
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "reset@example.com", Password: "Password123", Permanent: true }));
    await cognito.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: "reset@example.com" }));
    expect(await status("reset@example.com")).toBe("RESET_REQUIRED");
    expect(await failure(signIn("reset@example.com", "Password123"))).toMatchObject({ name: "PasswordResetRequiredException", message: "Password reset required for the user" });
    expect(
      (await failure(cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "reset@example.com", PASSWORD: "Password123" } }))))
        .name,
    ).toBe("PasswordResetRequiredException");
    const code = (await lastCode("reset@example.com")).code!;
    await open.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: "reset@example.com", ConfirmationCode: code, Password: "Password456" }));
    expect(await status("reset@example.com")).toBe("CONFIRMED");
    expect((await signIn("reset@example.com", "Password456")).AuthenticationResult).toBeDefined();
  });
});

describe("ChangePassword", () => {
  it("wants the current password and the policy", async () => {
    const { AuthenticationResult } = await signIn("reset@example.com", "Password456");
    const change = (previous: string, proposed: string) =>
      open.send(new ChangePasswordCommand({ AccessToken: AuthenticationResult!.AccessToken!, PreviousPassword: previous, ProposedPassword: proposed }));
    expect(await failure(change("Wrong123456", "Password789"))).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    expect((await failure(change("Password456", "short"))).name).toBe("InvalidPasswordException");
    await change("Password456", "Password789");
    expect((await signIn("reset@example.com", "Password789")).AuthenticationResult).toBeDefined();
    expect((await failure(open.send(new ChangePasswordCommand({ AccessToken: "not-a-token", PreviousPassword: "a", ProposedPassword: "Password000" })))).message).toBe(
      "Invalid Access Token",
    );
  });
});
