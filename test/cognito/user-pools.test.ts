import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  ListUsersCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { sdkConfig } from "../support/clients.js";
import { controlOf, external, movesClock, runId, sharesDisk, testTarget, type TestTarget } from "../support/target.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, deployTrigger, mailbox, recordedEvents, TRIGGER_SOURCES } from "./helpers.js";

/**
 * User pools, app clients and users through the unmodified SDK; the mailbox; PreSignUp and
 * PostConfirmation. With REKOGNITO_TEST_ENDPOINT it drives that stack: pool names and the
 * addresses whose mail it reads carry the run id (the mailbox is the stack's, shared); tests that
 * read the events the triggers log on the stack's disk skip against a stack on another machine,
 * and those that move the clock (POST /_rekognito/clock) against a stack on the system clock.
 */
let target: TestTarget;
/** The stack's endpoint (its mailbox is under /_rekognito/mailbox). */
let endpoint: string;
/** An address unique to this run: the stack's one mailbox may hold a previous run's mail. */
const address = (local: string, domain = "example.com") => `${local}-${runId}@${domain}`;
let cognito: CognitoIdentityProviderClient;
let publicCognito: CognitoIdentityProviderClient;
let preSignUp: string;
let postConfirmation: string;
const clock = new ManualClock(Date.now());
const dir = mkdtempSync(join(tmpdir(), "rekognito-user-pools-"));
const eventLog = join(dir, "events.jsonl");

beforeAll(async () => {
  target = await testTarget({ clock });
  endpoint = target.endpoint;
  const sdk = clients(endpoint);
  cognito = sdk.cognito;
  publicCognito = unsignedCognito(endpoint);
  [preSignUp, postConfirmation] = await Promise.all([
    deployTrigger(sdk.lambda, `pre-sign-up-${runId}`, TRIGGER_SOURCES.preSignUp, { EVENT_LOG: eventLog }),
    deployTrigger(sdk.lambda, `post-confirmation-${runId}`, TRIGGER_SOURCES.postConfirmation, { EVENT_LOG: eventLog }),
  ]);
});

afterAll(async () => {
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function emailPool(name: string, lambdaConfig: Record<string, string> = {}) {
  const pool = await cognito.send(
    new CreateUserPoolCommand({ PoolName: `${name}-${runId}`, UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"], LambdaConfig: lambdaConfig }),
  );
  const client = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id!, ClientName: "app" }));
  return { poolId: pool.UserPool!.Id!, clientId: client.UserPoolClient!.ClientId! };
}

/** Every pool, all pages (a long-running stack may hold more than one page). */
async function allPools(first?: string) {
  const pools = [];
  let token = first;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }));
    pools.push(...page.UserPools!);
    token = page.NextToken;
  } while (token);
  return pools;
}

describe("user pools and app clients", () => {
  it("are shaped as AWS's, with AWS's defaults", async () => {
    const created = await cognito.send(new CreateUserPoolCommand({ PoolName: `shapes-${runId}`, UsernameAttributes: ["email"] }));
    const pool = created.UserPool!;
    expect(pool.Id).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(pool.Arn).toBe(`arn:aws:cognito-idp:us-east-1:000000000000:userpool/${pool.Id}`);
    // In-process the stack's clock is ours; an external stack keeps its own time.
    if (target.stack) expect(pool.CreationDate).toEqual(new Date(Math.floor(clock.now() / 1000) * 1000));
    else expect(pool.CreationDate).toBeInstanceOf(Date);
    expect(pool.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 8, RequireUppercase: true, TemporaryPasswordValidityDays: 7 });
    expect(pool.SchemaAttributes?.map((a) => a.Name)).toContain("email_verified");

    const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: "web" }))).UserPoolClient!;
    expect(client.ClientId).toMatch(/^[a-z0-9]{26}$/);
    expect(client).toMatchObject({ RefreshTokenValidity: 30, AuthSessionValidity: 3, PreventUserExistenceErrors: "LEGACY", EnableTokenRevocation: true });
    expect(client.ClientSecret).toBeUndefined();
    expect(client.ExplicitAuthFlows).toBeUndefined();

    const updated = await cognito.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: pool.Id!,
        ClientId: client.ClientId!,
        ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors: "ENABLED",
        AuthSessionValidity: 5,
      }),
    );
    expect(updated.UserPoolClient).toMatchObject({ ClientName: "web", AuthSessionValidity: 5, PreventUserExistenceErrors: "ENABLED" });
    const described = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: pool.Id!, ClientId: client.ClientId! }));
    expect(described.UserPoolClient!.ExplicitAuthFlows).toEqual(["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);

    await cognito.send(new UpdateUserPoolCommand({ UserPoolId: pool.Id!, LambdaConfig: { PreSignUp: preSignUp } }));
    expect((await cognito.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id! }))).UserPool!.LambdaConfig).toEqual({ PreSignUp: preSignUp });

    expect((await allPools()).map((p) => p.Id)).toContain(pool.Id);
    await cognito.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id! }));
    expect(await failure(cognito.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id! })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: `User pool ${pool.Id} does not exist.`,
    });
  });

  it("pages ListUserPools", async () => {
    const names = [1, 2, 3].map((n) => `page-${n}-${runId}`);
    for (const name of names) await cognito.send(new CreateUserPoolCommand({ PoolName: name }));
    const first = await cognito.send(new ListUserPoolsCommand({ MaxResults: 2 }));
    expect(first.UserPools).toHaveLength(2);
    const rest = await allPools(first.NextToken);
    expect([...first.UserPools!, ...rest].map((p) => p.Name)).toEqual(expect.arrayContaining(names));
  });

  it("lists the pools of the caller's region only", async () => {
    const east = await cognito.send(new CreateUserPoolCommand({ PoolName: `east-${runId}` }));
    const west = new CognitoIdentityProviderClient(sdkConfig(endpoint, { region: "us-west-2" }));
    const westPool = await west.send(new CreateUserPoolCommand({ PoolName: `west-${runId}` }));
    expect(westPool.UserPool!.Id).toMatch(/^us-west-2_/);
    const listed = async (client: CognitoIdentityProviderClient) => (await client.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools!.map((p) => p.Id);
    expect(await listed(west)).toContain(westPool.UserPool!.Id);
    expect(await listed(west)).not.toContain(east.UserPool!.Id);
    expect(await listed(cognito)).toContain(east.UserPool!.Id);
    expect(await listed(cognito)).not.toContain(westPool.UserPool!.Id);
    // A pool is found by its id from any region: the id says where it lives.
    expect((await cognito.send(new DescribeUserPoolCommand({ UserPoolId: westPool.UserPool!.Id! }))).UserPool?.Name).toBe(`west-${runId}`);
    await west.send(new DeleteUserPoolCommand({ UserPoolId: westPool.UserPool!.Id! }));
  });

  it("answers InvalidParameterException for a request that breaks the model's constraints", async () => {
    const err = await failure(cognito.send(new CreateUserPoolCommand({ PoolName: "" })));
    expect(err.name).toBe("InvalidParameterException");
    expect(err.message).toMatch(/^2 validation errors detected: Value '' at 'poolName' failed to satisfy constraint: Member must have length greater than or equal to 1; /);
    const client = await failure(cognito.send(new CreateUserPoolClientCommand({ UserPoolId: "us-east-1_Nope12345", ClientName: "x" })));
    expect(client).toMatchObject({ name: "ResourceNotFoundException", message: "User pool us-east-1_Nope12345 does not exist." });
  });

  it("serves the public actions unsigned and refuses unsigned admin actions", async () => {
    const err = await failure(publicCognito.send(new ListUserPoolsCommand({ MaxResults: 1 })));
    expect(err.name).toBe("MissingAuthenticationTokenException");
    const { clientId } = await emailPool("unsigned");
    const signUp = await publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "u@example.com", Password: "Passw0rd!" }));
    expect(signUp.UserSub).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the reference app's pool settings", () => {
  it("honour a Required email, case-insensitive user names and admin-only sign-up", async () => {
    const pool = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: `template-like-${runId}`,
        UsernameConfiguration: { CaseSensitive: false },
        Schema: [{ Name: "email", AttributeDataType: "String", Required: true, Mutable: true }],
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      }),
    );
    const poolId = pool.UserPool!.Id!;
    expect(pool.UserPool!.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(pool.UserPool!.SchemaAttributes!.filter((a) => a.Name!.startsWith("custom:"))).toEqual([]);
    const clientId = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c" }))).UserPoolClient!.ClientId!;
    expect(await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "NoMail", Password: "Passw0rd!" })))).toMatchObject({
      name: "InvalidParameterException",
      message: "Attributes did not conform to the schema: email: The attribute is required",
    });
    await publicCognito.send(
      new SignUpCommand({ ClientId: clientId, Username: "MixedCase", Password: "Passw0rd!", UserAttributes: [{ Name: "email", Value: "m@example.com" }] }),
    );
    expect((await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "mixedcase" }))).Username).toBe("MixedCase");

    await cognito.send(new UpdateUserPoolCommand({ UserPoolId: poolId, AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    expect(
      await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "late", Password: "Passw0rd!", UserAttributes: [{ Name: "email", Value: "l@example.com" }] }))),
    ).toMatchObject({ name: "NotAuthorizedException", message: "SignUp is not permitted for this user pool" });
  });
});

describe("sign-up, codes and the mailbox", () => {
  it("SignUp mails a 6-digit code; ConfirmSignUp takes it, verifies the email and runs PostConfirmation", async () => {
    const { poolId, clientId } = await emailPool("sign-up", { PreSignUp: preSignUp, PostConfirmation: postConfirmation });
    rmSync(eventLog, { force: true });
    const mary = address("mary");
    const out = await publicCognito.send(
      new SignUpCommand({ ClientId: clientId, Username: address("Mary", "Example.com"), Password: "Passw0rd!", ClientMetadata: { campaign: "spring" } }),
    );
    expect(out).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { Destination: "M***@E***", DeliveryMedium: "EMAIL", AttributeName: "email" } });
    const mail = await mailbox(endpoint, mary);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: address("Mary", "Example.com"), code: expect.stringMatching(/^\d{6}$/), userPoolId: poolId, username: out.UserSub });
    expect(mail[0]!.body).toContain(mail[0]!.code);

    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: mary }));
    expect(user).toMatchObject({ Username: out.UserSub, UserStatus: "UNCONFIRMED", Enabled: true });

    expect(
      await failure(publicCognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: mary, ConfirmationCode: "000000" === mail[0]!.code ? "111111" : "000000" }))),
    ).toMatchObject({ name: "CodeMismatchException", message: "Invalid verification code provided, please try again." });
    await publicCognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: mary, ConfirmationCode: mail[0]!.code! }));
    const confirmed = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: out.UserSub! }));
    expect(confirmed.UserStatus).toBe("CONFIRMED");
    expect(confirmed.UserAttributes).toContainEqual({ Name: "email_verified", Value: "true" });

    if (sharesDisk) {
      // The events the triggers log are on the stack's disk: ours in-process or the against-cli server's.
      const events = recordedEvents(eventLog);
      expect(events.map((e) => e.triggerSource)).toEqual(["PreSignUp_SignUp", "PostConfirmation_ConfirmSignUp"]);
      expect(events[0]).toMatchObject({
      version: "1",
      userPoolId: poolId,
      userName: out.UserSub,
      callerContext: { clientId },
      request: { userAttributes: { email: address("Mary", "Example.com") }, clientMetadata: { campaign: "spring" } },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
      });
      expect(events[1].request.userAttributes).toMatchObject({ sub: out.UserSub, email_verified: "true", "cognito:user_status": "CONFIRMED" });
    }

    expect(await failure(publicCognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: mary, ConfirmationCode: mail[0]!.code! })))).toMatchObject({
      name: "NotAuthorizedException",
      message: "User cannot be confirmed. Current status is CONFIRMED",
    });
  });

  movesClock("codes expire after 24 hours; ResendConfirmationCode mails a new one", async () => {
    const { clientId } = await emailPool("resend");
    await publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "late@example.com", Password: "Passw0rd!" }));
    const [first] = await mailbox(endpoint, "late@example.com");
    await controlOf(target).advanceClock(24 * 3600_000 + 1000);
    expect(await failure(publicCognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: "late@example.com", ConfirmationCode: first!.code! })))).toMatchObject({
      name: "ExpiredCodeException",
      message: "Invalid code provided, please request a code again.",
    });
    await publicCognito.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: "late@example.com" }));
    const messages = await mailbox(endpoint, "late@example.com");
    expect(messages).toHaveLength(2);
    await publicCognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: "late@example.com", ConfirmationCode: messages[1]!.code! }));
    await controlOf(target).setClock(Date.now());
  });

  it("PreSignUp can auto-confirm and auto-verify, or refuse with UserLambdaValidationException", async () => {
    const { poolId, clientId } = await emailPool("pre-sign-up", { PreSignUp: preSignUp });
    const bot = address("bot", "auto.example");
    const auto = await publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: bot, Password: "Passw0rd!" }));
    expect(auto.UserConfirmed).toBe(true);
    expect(auto.CodeDeliveryDetails).toBeUndefined();
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: bot }));
    expect(user.UserStatus).toBe("CONFIRMED");
    expect(user.UserAttributes).toContainEqual({ Name: "email_verified", Value: "true" });
    expect(await mailbox(endpoint, bot)).toEqual([]);

    expect(await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "x@blocked.example", Password: "Passw0rd!" })))).toMatchObject({
      name: "UserLambdaValidationException",
      message: "PreSignUp failed with error Sign-up is closed for blocked.example.",
    });
    expect((await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "x@blocked.example"' }))).Users).toEqual([]);
  });

  it("refuses a second account for an email, a non-email user name and a weak password", async () => {
    const { clientId } = await emailPool("duplicates");
    await publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "dup@example.com", Password: "Passw0rd!" }));
    expect(await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "DUP@example.com", Password: "Passw0rd!" })))).toMatchObject({
      name: "UsernameExistsException",
      message: "An account with the given email already exists.",
    });
    expect((await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "not-an-email", Password: "Passw0rd!" })))).name).toBe(
      "InvalidParameterException",
    );
    expect(await failure(publicCognito.send(new SignUpCommand({ ClientId: clientId, Username: "weak@example.com", Password: "password" })))).toMatchObject({
      name: "InvalidPasswordException",
      message: "Password did not conform with policy: Password must have uppercase characters",
    });
  });
});

describe("the stack's own routes", () => {
  it("the mailbox lists every message, or one address's; health reports Cognito", async () => {
    const all = await mailbox(endpoint);
    expect(all.length).toBeGreaterThan(1);
    expect(new Set(all.map((m) => m.to)).size).toBeGreaterThan(1);
    expect(await mailbox(endpoint, address("nobody-at-all"))).toEqual([]);
    const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { services: Record<string, Record<string, unknown>> };
    // On a shared stack other suites may mail in between the two reads.
    expect(health.services["cognito-idp"]).toMatchObject({ status: "ok", userPools: expect.any(Number), mailbox: external ? expect.any(Number) : all.length });
    expect(health.services["cognito-idp"]!.mailbox as number).toBeGreaterThanOrEqual(all.length);
  });
});

describe("admin user actions and ListUsers", () => {
  it("create, update, list with filters, delete", async () => {
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: `admin-${runId}`, Schema: [{ Name: "tier", AttributeDataType: "String" }] }));
    const poolId = pool.UserPool!.Id!;
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: "alice",
        UserAttributes: [
          { Name: "email", Value: address("alice") },
          { Name: "given_name", Value: "Alice" },
          { Name: "custom:tier", Value: "gold" },
        ],
      }),
    );
    expect(created.User).toMatchObject({ Username: "alice", UserStatus: "FORCE_CHANGE_PASSWORD", Enabled: true });
    expect((await mailbox(endpoint, address("alice")))[0]).toMatchObject({ reason: "AdminCreateUser", code: expect.any(String) });
    for (const name of ["bob", "alicia"]) {
      await cognito.send(
        new AdminCreateUserCommand({ UserPoolId: poolId, Username: name, UserAttributes: [{ Name: "email", Value: `${name}@example.org` }], MessageAction: "SUPPRESS" }),
      );
    }
    await cognito.send(new SignUpCommand({ ClientId: (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c" }))).UserPoolClient!.ClientId!, Username: "carol", Password: "Passw0rd!" }));

    const names = async (filter?: string) =>
      ((await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter: filter }))).Users ?? []).map((u) => u.Username).sort();
    expect(await names()).toEqual(["alice", "alicia", "bob", "carol"]);
    expect(await names(`email = "${address("alice")}"`)).toEqual(["alice"]);
    expect(await names(`email = "${address("ALICE")}"`)).toEqual(["alice"]);
    expect(await names('email ^= "ali"')).toEqual(["alice", "alicia"]);
    expect(await names('username ^= "b"')).toEqual(["bob"]);
    expect(await names('given_name = "Alice"')).toEqual(["alice"]);
    expect(await names('cognito:user_status = "unconfirmed"')).toEqual(["carol"]);
    expect(await names('status = "Enabled"')).toEqual(["alice", "alicia", "bob", "carol"]);
    expect((await failure(names('custom:tier = "gold"'))).name).toBe("InvalidParameterException");

    const page = await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 3, AttributesToGet: ["email"] }));
    expect(page.Users).toHaveLength(3);
    expect(page.Users![0]!.Attributes!.map((a) => a.Name)).toEqual(["email"]);
    const rest = await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 3, PaginationToken: page.PaginationToken }));
    expect(rest.Users).toHaveLength(1);
    expect(rest.PaginationToken).toBeUndefined();

    await cognito.send(
      new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: "bob", UserAttributes: [{ Name: "email", Value: "bob@example.com" }, { Name: "custom:tier", Value: "silver" }] }),
    );
    const bob = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "bob" }));
    expect(bob.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: "email", Value: "bob@example.com" },
        { Name: "email_verified", Value: "false" },
        { Name: "custom:tier", Value: "silver" },
      ]),
    );
    expect(
      (await failure(cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: "bob", UserAttributes: [{ Name: "custom:nope", Value: "x" }] })))).name,
    ).toBe("InvalidParameterException");

    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "carol" }));
    expect((await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "carol" }))).UserStatus).toBe("CONFIRMED");
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: "carol" }));
    expect(await failure(cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "carol" })))).toMatchObject({
      name: "UserNotFoundException",
      message: "User does not exist.",
    });
  });
});
