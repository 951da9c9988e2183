import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UpdateGroupCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { startStack, type Stack } from "../../server/stack.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, deployTrigger, recordedEvents } from "./helpers.js";

/**
 * Groups and what the tokens carry: cognito:groups, cognito:roles and cognito:preferred_role by
 * precedence, PreTokenGeneration V3 with its group override; tokens with AWS's issuer that
 * aws-jwt-verify's CognitoJwtVerifier accepts unchanged; refresh token rotation.
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let open: CognitoIdentityProviderClient;
// Real time: the verifier checks expiry with the real clock. Moved by seconds only.
const clock = new ManualClock(Date.now());
let poolId: string;
let clientId: string;
let rotatingClientId: string;
const dir = mkdtempSync(join(tmpdir(), "rekognito-groups-"));
const eventLog = join(dir, "events.jsonl");
const ROLE = (name: string) => `arn:aws:iam::000000000000:role/${name}`;

const PRE_TOKEN_V3 = `const fs = require("node:fs");
exports.handler = async (event) => {
  fs.appendFileSync(process.env.EVENT_LOG, JSON.stringify(event) + "\\n");
  if (event.request.userAttributes.email === "override@example.com") {
    event.response.claimsAndScopeOverrideDetails = {
      groupOverrideDetails: { groupsToOverride: ["vip"], iamRolesToOverride: ["${ROLE("vip")}"], preferredRole: "${ROLE("vip")}" },
      accessTokenGeneration: { claimsToAddOrOverride: { tier: "gold", "cognito:groups": ["forged"] } },
    };
  }
  return event;
};`;

beforeAll(async () => {
  stack = await startStack({ clock });
  const sdk = clients(stack.endpoint);
  cognito = sdk.cognito;
  open = unsignedCognito(stack.endpoint);
  const preToken = await deployTrigger(sdk.lambda, "groups-pre-token-v3", PRE_TOKEN_V3, { EVENT_LOG: eventLog });
  poolId = (
    await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "groups",
        UsernameAttributes: ["email"],
        // AWS's issuer, so that CognitoJwtVerifier takes the tokens.
        UserPoolTags: { "rekognito:issuer": "aws" },
        LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: preToken, LambdaVersion: "V3_0" } },
      }),
    )
  ).UserPool!.Id!;
  const flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] as const;
  clientId = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web", ExplicitAuthFlows: [...flows] }))).UserPoolClient!.ClientId!;
  rotatingClientId = (
    await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: "rotating",
        ExplicitAuthFlows: [...flows],
        RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 10 },
      }),
    )
  ).UserPoolClient!.ClientId!;
  for (const email of ["alan@example.com", "override@example.com", "bea@example.com"]) {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: "SUPPRESS" }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: "Passw0rd!x", Permanent: true }));
  }
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signIn = async (email: string, id = clientId) =>
  (await open.send(new InitiateAuthCommand({ ClientId: id, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: "Passw0rd!x" } }))).AuthenticationResult!;
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
const group = (GroupName: string, extra: { Precedence?: number; RoleArn?: string; Description?: string } = {}) =>
  cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName, ...extra }));
const add = (email: string, GroupName: string) => cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName }));

describe("groups", () => {
  it("are created, read, listed page by page, updated and deleted, with AWS's errors", async () => {
    const made = await group("admins", { Precedence: 1, RoleArn: ROLE("admin"), Description: "Admins" });
    expect(made.Group).toMatchObject({ GroupName: "admins", UserPoolId: poolId, Precedence: 1, RoleArn: ROLE("admin"), Description: "Admins" });
    expect(made.Group!.CreationDate).toBeInstanceOf(Date);
    expect(await failure(group("admins"))).toMatchObject({ name: "GroupExistsException", message: "A group with the name admins already exists." });
    await group("editors", { Precedence: 5, RoleArn: ROLE("editor") });
    await group("readers");
    await group("temp");

    const first = await cognito.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2 }));
    expect(first.Groups!.map((g) => g.GroupName)).toEqual(["admins", "editors"]);
    const rest = await cognito.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2, NextToken: first.NextToken }));
    expect(rest.Groups!.map((g) => g.GroupName)).toEqual(["readers", "temp"]);
    expect(rest.NextToken).toBeUndefined();
    expect((await failure(cognito.send(new ListGroupsCommand({ UserPoolId: poolId, NextToken: "bogus" })))).name).toBe("InvalidParameterException");

    expect((await cognito.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: "readers", Precedence: 9 }))).Group).toMatchObject({ Precedence: 9 });
    expect((await cognito.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: "readers" }))).Group!.Precedence).toBe(9);
    await cognito.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: "temp" }));
    expect(await failure(cognito.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: "temp" })))).toMatchObject({ name: "ResourceNotFoundException", message: "Group not found." });
    expect((await failure(add("nobody@example.com", "admins"))).name).toBe("UserNotFoundException");
    expect((await failure(add("alan@example.com", "nope"))).name).toBe("ResourceNotFoundException");
  });

  it("membership: listed both ways, and in the tokens by precedence with the roles and the preferred role", async () => {
    await add("alan@example.com", "readers");
    await add("alan@example.com", "editors");
    await add("alan@example.com", "admins");
    await add("alan@example.com", "admins");
    const groupsOf = await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: "alan@example.com" }));
    expect(groupsOf.Groups!.map((g) => g.GroupName)).toEqual(["admins", "editors", "readers"]);
    const members = await cognito.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: "editors" }));
    expect(members.Users!.map((u) => u.Attributes!.find((a) => a.Name === "email")!.Value)).toEqual(["alan@example.com"]);

    const tokens = await signIn("alan@example.com");
    expect(claims(tokens.IdToken!)).toMatchObject({
      "cognito:groups": ["admins", "editors", "readers"],
      "cognito:roles": [ROLE("admin"), ROLE("editor")],
      "cognito:preferred_role": ROLE("admin"),
    });
    expect(claims(tokens.AccessToken!)["cognito:groups"]).toEqual(["admins", "editors", "readers"]);
    const event = recordedEvents(eventLog).at(-1);
    expect(event).toMatchObject({
      version: "3",
      triggerSource: "TokenGeneration_Authentication",
      request: {
        groupConfiguration: { groupsToOverride: ["admins", "editors", "readers"], iamRolesToOverride: [ROLE("admin"), ROLE("editor")], preferredRole: ROLE("admin") },
        scopes: ["aws.cognito.signin.user.admin"],
      },
    });

    // Two groups with roles at the same lowest precedence: no preferred role, as AWS.
    await cognito.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: "editors", Precedence: 1, RoleArn: ROLE("editor") }));
    expect(claims((await signIn("alan@example.com")).IdToken!)["cognito:preferred_role"]).toBeUndefined();

    await cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: "alan@example.com", GroupName: "readers" }));
    await cognito.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: "editors" }));
    expect(claims((await signIn("alan@example.com")).IdToken!)["cognito:groups"]).toEqual(["admins"]);
    // A user in no group has no group claims at all.
    expect(claims((await signIn("bea@example.com")).IdToken!)).not.toHaveProperty("cognito:groups");
  });

  it("PreTokenGeneration V3 overrides the groups through groupOverrideDetails, not through claims", async () => {
    await add("override@example.com", "readers");
    const tokens = await signIn("override@example.com");
    expect(claims(tokens.IdToken!)).toMatchObject({ "cognito:groups": ["vip"], "cognito:roles": [ROLE("vip")], "cognito:preferred_role": ROLE("vip") });
    expect(claims(tokens.AccessToken!)).toMatchObject({ "cognito:groups": ["vip"], tier: "gold" });
  });
});

describe("tokens with AWS's issuer (pool tag rekognito:issuer = aws)", () => {
  it("are accepted by aws-jwt-verify's CognitoJwtVerifier exactly as a backend uses it, given the stack's JWKS", async () => {
    const tokens = await signIn("alan@example.com");
    expect(claims(tokens.IdToken!).iss).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${poolId}`);
    const jwks = await (await fetch(`${stack.endpoint}/${poolId}/.well-known/jwks.json`)).json();
    const idVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: "id", clientId });
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: "access", clientId, groups: "admins" });
    idVerifier.cacheJwks(jwks);
    accessVerifier.cacheJwks(jwks);
    expect(await idVerifier.verify(tokens.IdToken!)).toMatchObject({ email: "alan@example.com", token_use: "id" });
    expect(await accessVerifier.verify(tokens.AccessToken!)).toMatchObject({ client_id: clientId, "cognito:groups": ["admins"] });
    await expect(idVerifier.verify(tokens.AccessToken!)).rejects.toThrow(/Token use not allowed: access/);
    const openid = await (await fetch(`${stack.endpoint}/${poolId}/.well-known/openid-configuration`)).json();
    expect(openid).toMatchObject({ issuer: `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`, jwks_uri: `${stack.endpoint}/${poolId}/.well-known/jwks.json` });
    // The stack still reads its own tokens.
    expect((await open.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).Username).toBeTruthy();
  });
});

describe("refresh token rotation", () => {
  it("GetTokensFromRefreshToken hands out a new refresh token; the old one works for the grace period, then not", async () => {
    const first = await signIn("bea@example.com", rotatingClientId);
    const refresh = (token: string) => open.send(new GetTokensFromRefreshTokenCommand({ ClientId: rotatingClientId, RefreshToken: token }));
    const rotated = await refresh(first.RefreshToken!);
    expect(rotated.AuthenticationResult!.RefreshToken).toBeTruthy();
    expect(rotated.AuthenticationResult!.RefreshToken).not.toBe(first.RefreshToken);
    expect(claims(rotated.AuthenticationResult!.AccessToken!).origin_jti).toBe(claims(first.AccessToken!).origin_jti);
    clock.advance(5_000);
    expect((await refresh(first.RefreshToken!)).AuthenticationResult!.AccessToken).toBeTruthy();
    clock.advance(6_000);
    expect(await failure(refresh(first.RefreshToken!))).toMatchObject({ name: "NotAuthorizedException", message: "Invalid Refresh Token" });
    expect((await refresh(rotated.AuthenticationResult!.RefreshToken!)).AuthenticationResult!.RefreshToken).toBeTruthy();
    expect(
      (await failure(open.send(new InitiateAuthCommand({ ClientId: rotatingClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: rotated.AuthenticationResult!.RefreshToken! } }))))
        .name,
    ).toBe("InvalidParameterException");
    // Without rotation no new refresh token comes.
    const plain = await signIn("bea@example.com");
    expect((await open.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: plain.RefreshToken! }))).AuthenticationResult!.RefreshToken).toBeUndefined();
  });

  it("AdminUserGlobalSignOut ends every token the user holds", async () => {
    const tokens = await cognito.send(
      new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "bea@example.com", PASSWORD: "Passw0rd!x" } }),
    );
    await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: "bea@example.com" }));
    expect((await failure(open.send(new GetUserCommand({ AccessToken: tokens.AuthenticationResult!.AccessToken! })))).message).toBe("Access Token has been revoked");
    expect((await failure(open.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: tokens.AuthenticationResult!.RefreshToken! })))).message).toBe(
      "Refresh Token has been revoked",
    );
  });
});

describe("ListUsers filters", () => {
  it("parse AWS's syntax: = and ^=, quoted values, the searchable attributes", async () => {
    const list = async (Filter: string) =>
      (await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter }))).Users!.map((u) => u.Attributes!.find((a) => a.Name === "email")!.Value).sort();
    expect(await list('email = "bea@example.com"')).toEqual(["bea@example.com"]);
    expect(await list('email ^= "a"')).toEqual(["alan@example.com"]);
    expect(await list('cognito:user_status = "confirmed"')).toHaveLength(3);
    expect(await list('status = "Enabled"')).toHaveLength(3);
    expect(await list("")).toHaveLength(3);
    expect((await failure(cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter: "email = bea@example.com" })))).name).toBe("InvalidParameterException");
    expect((await failure(cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'custom:plan = "x"' })))).name).toBe("InvalidParameterException");
  });
});
