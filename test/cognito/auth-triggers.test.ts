import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { amplifySrp } from "./amplify-srp.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, deployTrigger, mailbox, recordedEvents } from "./helpers.js";

/**
 * The sign-in's other triggers, with the events of @types/aws-lambda and AWS's error mapping:
 * Pre Authentication (can refuse), Post Authentication, Custom Message (rewrites the mail that
 * carries a code), User Migration (a password sign-in or a reset of a user the pool does not know).
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let open: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let hiddenClientId: string;
const dir = mkdtempSync(join(tmpdir(), "rekognito-auth-triggers-"));
const eventLog = join(dir, "events.jsonl");

// One function for every trigger, by triggerSource; it records each event it receives.
const TRIGGER = `const fs = require("node:fs");
exports.handler = async (event) => {
  fs.appendFileSync(process.env.EVENT_LOG, JSON.stringify(event) + "\\n");
  const email = (event.request.userAttributes || {}).email || event.userName;
  switch (event.triggerSource) {
    case "PreAuthentication_Authentication":
      if (String(email).endsWith("@blocked.example")) throw new Error("This account is suspended");
      return event;
    case "PostAuthentication_Authentication":
      if (String(email).startsWith("post-fail")) throw new Error("Audit log is down");
      return event;
    case "CustomMessage_SignUp":
    case "CustomMessage_ForgotPassword":
      event.response.emailSubject = "Welcome to Example";
      event.response.emailMessage = "Hello " + event.request.userAttributes.email + ", your code is " + event.request.codeParameter;
      return event;
    case "UserMigration_Authentication":
      if (event.userName === "legacy@example.com" && event.request.password === "Legacy!2345") {
        event.response.userAttributes = { email: "legacy@example.com", email_verified: "true", name: "From the old system" };
        event.response.finalUserStatus = "CONFIRMED";
        event.response.messageAction = "SUPPRESS";
        return event;
      }
      throw new Error("Bad credentials");
    case "UserMigration_ForgotPassword":
      if (event.userName === "legacy-reset@example.com") {
        event.response.userAttributes = { email: "legacy-reset@example.com", email_verified: "true" };
        event.response.messageAction = "SUPPRESS";
        return event;
      }
      throw new Error("Unknown user");
    default:
      return event;
  }
};`;

beforeAll(async () => {
  stack = await startStack();
  const sdk = clients(stack.endpoint);
  cognito = sdk.cognito;
  open = unsignedCognito(stack.endpoint);
  const arn = await deployTrigger(sdk.lambda, "auth-triggers", TRIGGER, { EVENT_LOG: eventLog });
  poolId = (
    await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "auth-triggers",
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        LambdaConfig: { PreAuthentication: arn, PostAuthentication: arn, CustomMessage: arn, UserMigration: arn },
      }),
    )
  ).UserPool!.Id!;
  const client = async (prevent: "ENABLED" | "LEGACY") =>
    (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: prevent,
          ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          PreventUserExistenceErrors: prevent,
        }),
      )
    ).UserPoolClient!.ClientId!;
  clientId = await client("LEGACY");
  hiddenClientId = await client("ENABLED");
  for (const email of ["ok@example.com", "someone@blocked.example", "post-fail@example.com"]) {
    await cognito.send(
      new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email_verified", Value: "true" }] }),
    );
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: "Passw0rd!x", Permanent: true }));
  }
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signIn = (email: string, password = "Passw0rd!x", id = clientId, metadata?: Record<string, string>) =>
  open.send(new InitiateAuthCommand({ ClientId: id, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password }, ClientMetadata: metadata }));
const events = (source: string) => recordedEvents(eventLog).filter((e) => e.triggerSource === source);

describe("Pre Authentication and Post Authentication", () => {
  it("run around a password sign-in with AWS's events; InitiateAuth's ClientMetadata reaches Pre Authentication as validationData", async () => {
    expect((await signIn("ok@example.com", "Passw0rd!x", clientId, { device: "laptop" })).AuthenticationResult).toBeDefined();
    expect(events("PreAuthentication_Authentication").at(-1)).toMatchObject({
      version: "1",
      region: "us-east-1",
      userPoolId: poolId,
      callerContext: { clientId },
      request: { userAttributes: { email: "ok@example.com", "cognito:user_status": "CONFIRMED" }, validationData: { device: "laptop" } },
      response: {},
    });
    const post = events("PostAuthentication_Authentication").at(-1);
    expect(post.request).toEqual({ userAttributes: expect.objectContaining({ email: "ok@example.com" }), newDeviceUsed: false });
  });

  it("Pre Authentication refuses before the password is even checked; a failing Post Authentication refuses the tokens", async () => {
    expect(await failure(signIn("someone@blocked.example", "not the password"))).toMatchObject({
      name: "UserLambdaValidationException",
      message: "PreAuthentication failed with error This account is suspended.",
    });
    expect(await failure(signIn("post-fail@example.com"))).toMatchObject({
      name: "UserLambdaValidationException",
      message: "PostAuthentication failed with error Audit log is down.",
    });
    // SRP runs Pre Authentication at InitiateAuth too.
    const srp = await amplifySrp(poolId);
    expect(
      (await failure(open.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "someone@blocked.example", SRP_A: srp.A } })))).name,
    ).toBe("UserLambdaValidationException");
  });
});

describe("Custom Message", () => {
  it("rewrites the sign-up and reset mails, the code filled in; the trigger gets AWS's placeholders", async () => {
    await open.send(new SignUpCommand({ ClientId: clientId, Username: "new@example.com", Password: "Passw0rd!x" }));
    const mail = (await mailbox(stack.endpoint, "new@example.com")).at(-1)!;
    expect(mail).toMatchObject({ subject: "Welcome to Example", reason: "SignUp" });
    expect(mail.body).toBe(`Hello new@example.com, your code is ${mail.code}`);
    expect(events("CustomMessage_SignUp").at(-1).request).toEqual({
      userAttributes: expect.objectContaining({ email: "new@example.com", "cognito:user_status": "UNCONFIRMED" }),
      codeParameter: "{####}",
      linkParameter: "{##Click Here##}",
      usernameParameter: null,
    });
    await open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "ok@example.com" }));
    expect((await mailbox(stack.endpoint, "ok@example.com")).at(-1)).toMatchObject({ subject: "Welcome to Example", reason: "ForgotPassword" });
  });
});

describe("User Migration", () => {
  it("brings a user the pool does not know in on a password sign-in, with the old system's attributes and that password", async () => {
    const tokens = (await signIn("legacy@example.com", "Legacy!2345", clientId, { from: "login-page" })).AuthenticationResult!;
    expect(tokens.IdToken).toBeTruthy();
    const event = events("UserMigration_Authentication").at(-1);
    expect(event).toMatchObject({ userName: "legacy@example.com", request: { password: "Legacy!2345", validationData: { from: "login-page" } } });
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "legacy@example.com" }));
    expect(user.UserStatus).toBe("CONFIRMED");
    expect(user.UserAttributes).toContainEqual({ Name: "name", Value: "From the old system" });
    // Now a user of the pool, with a verifier: SRP works with the migrated password.
    const srp = await amplifySrp(poolId);
    const challenge = await open.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "legacy@example.com", SRP_A: srp.A } }));
    expect(challenge.ChallengeName).toBe("PASSWORD_VERIFIER");
  });

  it("a trigger that throws is UserNotFoundException as AWS words it (NotAuthorizedException with PreventUserExistenceErrors)", async () => {
    expect(await failure(signIn("stranger@example.com", "Whatever!1"))).toMatchObject({
      name: "UserNotFoundException",
      message: `Exception migrating user in app client ${clientId}`,
    });
    expect(await failure(signIn("stranger@example.com", "Whatever!1", hiddenClientId))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("ForgotPassword of an unknown user migrates them as RESET_REQUIRED and mails the code", async () => {
    const sent = await open.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "legacy-reset@example.com" }));
    expect(sent.CodeDeliveryDetails?.Destination).toBe("l***@e***");
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "legacy-reset@example.com" }));
    expect(user.UserStatus).toBe("RESET_REQUIRED");
    expect(events("UserMigration_ForgotPassword").at(-1).request).not.toHaveProperty("password");
  });
});
