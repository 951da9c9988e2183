import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
  type CognitoIdentityProviderClient,
  type InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { totpCode } from "../../server/cognito/totp.js";
import { startStack, type Stack } from "../../server/stack.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, mailbox } from "./helpers.js";

/**
 * MFA and passwordless sign-in through the plain SDK clients: the pool's MFA configuration, the
 * rules of TOTP and email codes (a code works once, three wrong ones end the sign-in), MFA
 * required of a user with a verified address, and USER_AUTH's AvailableChallenges.
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let open: CognitoIdentityProviderClient;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let poolId: string;
let clientId: string;
let noUserAuthClientId: string;
const PASSWORD = "Passw0rd!x";

beforeAll(async () => {
  stack = await startStack({ clock });
  cognito = clients(stack.endpoint).cognito;
  open = unsignedCognito(stack.endpoint);
  poolId = (
    await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "mfa",
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "EMAIL_OTP"] } },
      }),
    )
  ).UserPool!.Id!;
  const client = async (flows: string[]) =>
    (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c", ExplicitAuthFlows: flows as never, PreventUserExistenceErrors: "ENABLED" }))).UserPoolClient!
      .ClientId!;
  clientId = await client(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
  noUserAuthClientId = await client(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
  for (const email of ["totp@example.com", "mail@example.com"]) {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email_verified", Value: "true" }] }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }));
  }
});

afterAll(async () => {
  await stack?.close();
});

const signIn = (email: string) => open.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }));
const respond = (previous: InitiateAuthCommandOutput, challengeName: string, responses: Record<string, string>) =>
  open.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: challengeName as never, Session: previous.Session, ChallengeResponses: responses }));

describe("the pool's MFA configuration", () => {
  it("SetUserPoolMfaConfig and GetUserPoolMfaConfig, in DescribeUserPool too; SMS is not modelled", async () => {
    expect(await cognito.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: "OFF", SoftwareTokenMfaConfiguration: { Enabled: false } });
    expect((await failure(cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: "ON" })))).name).toBe("InvalidParameterException");
    const set = await cognito.send(
      new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true }, EmailMfaConfiguration: { Subject: "Code" } }),
    );
    expect(set).toMatchObject({ MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true }, EmailMfaConfiguration: { Subject: "Code" } });
    expect(await cognito.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: "OPTIONAL", EmailMfaConfiguration: { Subject: "Code" } });
    expect((await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.MfaConfiguration).toBe("OPTIONAL");
    expect(
      (await failure(cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, SmsMfaConfiguration: { SmsConfiguration: { SnsCallerArn: "arn:aws:iam::000000000000:role/sms" } } }))))
        .name,
    ).toBe("NotImplementedException");
  });
});

describe("TOTP", () => {
  it("can be turned on only once verified; a code signs in once; a wrong one may be retried", async () => {
    const { AuthenticationResult } = await signIn("totp@example.com");
    const AccessToken = AuthenticationResult!.AccessToken!;
    expect(await failure(open.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: "123456" })))).toMatchObject({
      name: "SoftwareTokenMFANotFoundException",
      message: "Software Token MFA does not exist for the user.",
    });
    const { SecretCode } = await open.send(new AssociateSoftwareTokenCommand({ AccessToken }));
    expect(SecretCode).toMatch(/^[A-Z2-7]{52}$/);
    expect(await failure(open.send(new SetUserMFAPreferenceCommand({ AccessToken, SoftwareTokenMfaSettings: { Enabled: true } })))).toMatchObject({
      name: "InvalidParameterException",
      message: "User has not verified software token mfa",
    });
    expect((await open.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: totpCode(SecretCode!, clock.now()) }))).Status).toBe("SUCCESS");
    await open.send(new SetUserMFAPreferenceCommand({ AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    expect(await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "totp@example.com" }))).toMatchObject({
      UserMFASettingList: ["SOFTWARE_TOKEN_MFA"],
      PreferredMfaSetting: "SOFTWARE_TOKEN_MFA",
    });

    clock.advance(30_000);
    const challenge = await signIn("totp@example.com");
    expect(challenge.ChallengeName).toBe("SOFTWARE_TOKEN_MFA");
    const code = totpCode(SecretCode!, clock.now());
    expect(await failure(respond(challenge, "SOFTWARE_TOKEN_MFA", { USERNAME: "totp@example.com", SOFTWARE_TOKEN_MFA_CODE: "000000" }))).toMatchObject({
      name: "CodeMismatchException",
      message: "Invalid code or auth state for the user.",
    });
    // The same session takes the right code after a wrong one.
    expect((await respond(challenge, "SOFTWARE_TOKEN_MFA", { USERNAME: "totp@example.com", SOFTWARE_TOKEN_MFA_CODE: code })).AuthenticationResult).toBeDefined();
    const again = await signIn("totp@example.com");
    expect((await failure(respond(again, "SOFTWARE_TOKEN_MFA", { USERNAME: "totp@example.com", SOFTWARE_TOKEN_MFA_CODE: code }))).name).toBe("CodeMismatchException");
  });
});

describe("email MFA", () => {
  it("mails a code with the pool's subject; three wrong codes end the sign-in", async () => {
    await cognito.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: poolId, Username: "mail@example.com", EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
    const challenge = await signIn("mail@example.com");
    expect(challenge).toMatchObject({ ChallengeName: "EMAIL_OTP", ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: "EMAIL", CODE_DELIVERY_DESTINATION: "m***@e***" } });
    const mail = (await mailbox(stack.endpoint, "mail@example.com")).at(-1)!;
    expect(mail).toMatchObject({ subject: "Code", reason: "Authentication" });
    expect(mail.code).toMatch(/^\d{6}$/);
    for (let i = 0; i < 3; i++) expect((await failure(respond(challenge, "EMAIL_OTP", { USERNAME: "mail@example.com", EMAIL_OTP_CODE: "999999" }))).name).toBe("CodeMismatchException");
    expect((await failure(respond(challenge, "EMAIL_OTP", { USERNAME: "mail@example.com", EMAIL_OTP_CODE: mail.code! }))).name).toBe("NotAuthorizedException");
  });

  it("when MFA is required, a user with a verified address gets an email code without setting anything up", async () => {
    await cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: "ON" }));
    await cognito.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: poolId, Username: "mail@example.com", EmailMfaSettings: { Enabled: false } }));
    const challenge = await signIn("mail@example.com");
    expect(challenge.ChallengeName).toBe("EMAIL_OTP");
    const code = (await mailbox(stack.endpoint, "mail@example.com")).at(-1)!.code!;
    expect((await respond(challenge, "EMAIL_OTP", { USERNAME: "mail@example.com", EMAIL_OTP_CODE: code })).AuthenticationResult).toBeDefined();
    await cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: "OPTIONAL" }));
  });
});

describe("USER_AUTH", () => {
  it("answers SELECT_CHALLENGE with the user's AvailableChallenges; an unknown user looks the same and no code answers", async () => {
    const start = (USERNAME: string, extra: Record<string, string> = {}) =>
      open.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME, ...extra } }));
    const known = await start("mail@example.com");
    expect(known).toMatchObject({ ChallengeName: "SELECT_CHALLENGE", AvailableChallenges: ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"], ChallengeParameters: {} });
    const unknown = await start("ghost@example.com");
    expect(unknown.AvailableChallenges).toEqual(known.AvailableChallenges);
    const ghost = await open.send(
      new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "SELECT_CHALLENGE", Session: unknown.Session, ChallengeResponses: { USERNAME: "ghost@example.com", ANSWER: "EMAIL_OTP" } }),
    );
    expect(ghost).toMatchObject({ ChallengeName: "EMAIL_OTP", ChallengeParameters: { CODE_DELIVERY_DESTINATION: "g***@e***" } });
    expect(await mailbox(stack.endpoint, "ghost@example.com")).toEqual([]);
    expect((await failure(respond(ghost, "EMAIL_OTP", { USERNAME: "ghost@example.com", EMAIL_OTP_CODE: "12345678" }))).name).toBe("CodeMismatchException");
    // PASSWORD right away with the preferred challenge.
    expect((await start("mail@example.com", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD })).AuthenticationResult).toBeDefined();
    expect((await failure(start("mail@example.com", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Wrong!pass1" }))).message).toBe("Incorrect username or password.");
    expect(
      await failure(open.send(new InitiateAuthCommand({ ClientId: noUserAuthClientId, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME: "mail@example.com" } }))),
    ).toMatchObject({ name: "InvalidParameterException", message: "Auth flow not enabled for this client" });
  });

  it("lets a user sign up without a password where EMAIL_OTP is a first factor, and sign in by a mailed code alone", async () => {
    const signedUp = await open.send(new SignUpCommand({ ClientId: clientId, Username: "nopass@example.com" }));
    expect(signedUp.UserConfirmed).toBe(false);
    await open.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: "nopass@example.com", ConfirmationCode: (await mailbox(stack.endpoint, "nopass@example.com")).at(-1)!.code! }));
    const select = await open.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME: "nopass@example.com" } }));
    // No password: only the code.
    expect(select.AvailableChallenges).toEqual(["EMAIL_OTP"]);
    const otp = await open.send(
      new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "SELECT_CHALLENGE", Session: select.Session, ChallengeResponses: { USERNAME: "nopass@example.com", ANSWER: "EMAIL_OTP" } }),
    );
    const code = (await mailbox(stack.endpoint, "nopass@example.com")).at(-1)!.code!;
    expect(code).toMatch(/^\d{8}$/);
    expect((await respond(otp, "EMAIL_OTP", { USERNAME: "nopass@example.com", EMAIL_OTP_CODE: code })).AuthenticationResult?.IdToken).toBeTruthy();
    expect(
      (await failure(open.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "SELECT_CHALLENGE", Session: select.Session, ChallengeResponses: { USERNAME: "nopass@example.com", ANSWER: "PASSWORD" } })))).message,
    ).toMatch(/^Invalid session for the user/);
    // A pool without passwordless sign-in still wants a password.
    const strict = (await cognito.send(new CreateUserPoolCommand({ PoolName: "strict" }))).UserPool!.Id!;
    const strictClient = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: strict, ClientName: "c" }))).UserPoolClient!.ClientId!;
    expect((await failure(open.send(new SignUpCommand({ ClientId: strictClient, Username: "someone" })))).name).toBe("InvalidParameterException");
  });
});
