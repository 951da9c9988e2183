import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminInitiateAuthCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  AdminConfirmSignUpCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { controlOf, movesClock, onSharedDisk, runId, sharesDisk, testTarget, type TestTarget } from "../support/target.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, deployTrigger, recordedEvents, TRIGGER_SOURCES } from "./helpers.js";

/**
 * Tokens: what aws-jwt-verify accepts, what refresh gives, and what sign-out and revocation end.
 * With REKOGNITO_TEST_ENDPOINT it drives that stack (names suffixed with the run id); tests that
 * read the events the triggers log on the stack's disk skip against a stack on another machine,
 * and those that move the clock (POST /_rekognito/clock) against a stack on the system clock.
 */
let target: TestTarget;
/** The stack's endpoint: tokens' issuer and the JWKS are under it. */
let endpoint: string;
let cognito: CognitoIdentityProviderClient;
let publicCognito: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let secretClient: { id: string; secret: string };
const clock = new ManualClock(Date.now());
const dir = mkdtempSync(join(tmpdir(), "rekognito-tokens-"));
const eventLog = join(dir, "events.jsonl");
const EMAIL = "grace@example.com";
const PASSWORD = "Corr3ct-horse";

beforeAll(async () => {
  target = await testTarget({ clock });
  endpoint = target.endpoint;
  const sdk = clients(endpoint);
  cognito = sdk.cognito;
  publicCognito = unsignedCognito(endpoint);
  const env = { EVENT_LOG: eventLog };
  const [define, create, verify, preToken] = await Promise.all([
    deployTrigger(sdk.lambda, `define-${runId}`, TRIGGER_SOURCES.define, env),
    deployTrigger(sdk.lambda, `create-${runId}`, TRIGGER_SOURCES.create, env),
    deployTrigger(sdk.lambda, `verify-${runId}`, TRIGGER_SOURCES.verify, env),
    deployTrigger(sdk.lambda, `pre-token-${runId}`, TRIGGER_SOURCES.preToken, env),
  ]);
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: `tokens-${runId}`,
      UsernameAttributes: ["email"],
      Schema: [{ Name: "tier", AttributeDataType: "String", Mutable: true }],
      LambdaConfig: { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verify, PreTokenGeneration: preToken },
    }),
  );
  poolId = pool.UserPool!.Id!;
  const client = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "web",
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      AccessTokenValidity: 15,
      IdTokenValidity: 20,
      RefreshTokenValidity: 2,
      TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "hours" },
    }),
  );
  clientId = client.UserPoolClient!.ClientId!;
  const withSecret = await cognito.send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "server", GenerateSecret: true, ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
  );
  secretClient = { id: withSecret.UserPoolClient!.ClientId!, secret: withSecret.UserPoolClient!.ClientSecret! };
  await publicCognito.send(
    new SignUpCommand({
      ClientId: clientId,
      Username: EMAIL,
      Password: PASSWORD,
      UserAttributes: [
        { Name: "custom:tier", Value: "3" },
        { Name: "phone_number", Value: "+15555550100" },
        { Name: "name", Value: "Grace" },
      ],
    }),
  );
  await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: EMAIL }));
});

afterAll(async () => {
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function customSignIn(): Promise<AuthenticationResultType> {
  const first = await publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: EMAIL } }));
  const done = await publicCognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: first.Session,
      ChallengeResponses: { USERNAME: first.ChallengeParameters!.USERNAME!, ANSWER: "answer-1" },
    }),
  );
  return done.AuthenticationResult!;
}

function verifier(tokenUse: "id" | "access") {
  // aws-jwt-verify's own fetcher refuses http:, so fetch the JWKS with fetch().
  const cache = new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } });
  return JwtVerifier.create(
    {
      issuer: `${endpoint}/${poolId}`,
      audience: tokenUse === "id" ? clientId : null,
      jwksUri: `${endpoint}/${poolId}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
    },
    { jwksCache: cache },
  );
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));

describe("tokens", () => {
  it("verify with aws-jwt-verify against the pool's JWKS, with AWS's claims", async () => {
    const tokens = await customSignIn();
    const id = await verifier("id").verify(tokens.IdToken!);
    // In-process the stack's clock is ours; an external stack's is its own.
    const now = target.stack ? Math.floor(clock.now() / 1000) : Number(claimsOf(tokens.IdToken!).iat);
    expect(id).toMatchObject({
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      aud: clientId,
      iss: `${endpoint}/${poolId}`,
      token_use: "id",
      auth_time: now,
      iat: now,
      exp: now + 20 * 60,
      "cognito:username": id.sub,
      email: EMAIL,
      "custom:tier": "3",
      name: "Grace",
      // PreTokenGeneration's claimsToAddOrOverride and claimsToSuppress:
      tenant: "acme",
      "custom:plan": "gold",
    });
    expect(id).not.toHaveProperty("phone_number");
    expect(id.jti).not.toBe(id.origin_jti);
    expect(typeof id.event_id).toBe("string");

    const access = await verifier("access").verify(tokens.AccessToken!);
    expect(access).toMatchObject({
      sub: id.sub,
      client_id: clientId,
      iss: `${endpoint}/${poolId}`,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      auth_time: now,
      exp: now + 15 * 60,
      username: id.sub,
      origin_jti: id.origin_jti,
      event_id: id.event_id,
    });
    expect(tokens.ExpiresIn).toBe(15 * 60);

    const header = JSON.parse(Buffer.from(tokens.IdToken!.split(".")[0]!, "base64url").toString("utf8"));
    const jwks = (await (await fetch(`${endpoint}/${poolId}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([{ alg: "RS256", e: "AQAB", kid: header.kid, kty: "RSA", n: expect.any(String), use: "sig" }]);
  });

  it("are refused by the verifier when tampered with", async () => {
    const tokens = await customSignIn();
    const [h, p, s] = tokens.IdToken!.split(".");
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(tokens.IdToken!), email: "mallory@example.com" })).toString("base64url");
    await expect(verifier("id").verify(`${h}.${forged}.${s}`)).rejects.toThrow(/signature/i);
    expect(p).toBeTruthy();
  });

  it("publish an OpenID configuration with the stack's real host and port", async () => {
    const config = (await (await fetch(`${endpoint}/${poolId}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(config.issuer).toBe(`${endpoint}/${poolId}`);
    expect(config.jwks_uri).toBe(`${endpoint}/${poolId}/.well-known/jwks.json`);
    expect(config.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    const unknown = await fetch(`${endpoint}/us-east-1_Nope12345/.well-known/jwks.json`);
    expect(unknown.status).toBe(404);
  });

  onSharedDisk("reads the events the triggers log on the stack's disk")("PreTokenGeneration gets the event AWS sends", async () => {
    rmSync(eventLog, { force: true });
    await customSignIn();
    const event = recordedEvents(eventLog).find((e) => e.triggerSource === "TokenGeneration_Authentication");
    expect(event).toMatchObject({
      version: "1",
      userPoolId: poolId,
      request: {
        userAttributes: { email: EMAIL, "custom:tier": "3", "cognito:user_status": "CONFIRMED" },
        groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      },
    });
  });
});

describe("PreTokenGeneration V2_0", () => {
  it("changes both tokens and the access token's scopes", async () => {
    const { cognito: admin, lambda } = clients(endpoint);
    const arn = await deployTrigger(lambda, `pre-token-v2-${runId}`, TRIGGER_SOURCES.preTokenV2, { EVENT_LOG: eventLog });
    const pool = await admin.send(
      new CreateUserPoolCommand({ PoolName: `v2-${runId}`, LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: arn, LambdaVersion: "V2_0" } } }),
    );
    const id = pool.UserPool!.Id!;
    const client = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "v2", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
    await admin.send(new SignUpCommand({ ClientId: client.UserPoolClient!.ClientId!, Username: "v2user", Password: PASSWORD, UserAttributes: [{ Name: "name", Value: "Vee" }] }));
    await admin.send(new AdminConfirmSignUpCommand({ UserPoolId: id, Username: "v2user" }));
    rmSync(eventLog, { force: true });
    const out = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: client.UserPoolClient!.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "v2user", PASSWORD } }),
    );
    const idClaims = claimsOf(out.AuthenticationResult!.IdToken!);
    const accessClaims = claimsOf(out.AuthenticationResult!.AccessToken!);
    expect(idClaims.roles).toEqual(["admin", "viewer"]);
    expect(idClaims).not.toHaveProperty("name");
    expect(accessClaims.tenant).toBe("acme");
    expect(accessClaims.scope).toBe("aws.cognito.signin.user.admin faces/read");
    if (!sharesDisk) return; // the events the trigger logs are on the stack's disk
    const event = recordedEvents(eventLog)[0];
    expect(event).toMatchObject({ version: "2", triggerSource: "TokenGeneration_Authentication", request: { scopes: ["aws.cognito.signin.user.admin"] } });
  });
});

describe("refresh", () => {
  movesClock("REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken give new ID and access tokens of the same sign-in", async () => {
    const tokens = await customSignIn();
    const first = claimsOf(tokens.AccessToken!);
    await controlOf(target).advanceClock(60_000);
    const refreshed = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }),
    );
    expect(refreshed.AuthenticationResult!.RefreshToken).toBeUndefined();
    const access = await verifier("access").verify(refreshed.AuthenticationResult!.AccessToken!);
    expect(access.origin_jti).toBe(first.origin_jti);
    expect(access.auth_time).toBe(first.auth_time);
    expect(access.iat).toBe(first.iat + 60);
    const id = claimsOf(refreshed.AuthenticationResult!.IdToken!);
    expect(id.tenant).toBe("acme");

    const again = await publicCognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: tokens.RefreshToken! }));
    expect(again.AuthenticationResult!.IdToken).toBeTruthy();
    expect(await failure(publicCognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: "nonsense" })))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Refresh Token",
    });
    await controlOf(target).setClock(Date.now());
  });

  movesClock("refresh tokens expire after the client's RefreshTokenValidity", async () => {
    const stackClock = controlOf(target);
    try {
      const tokens = await customSignIn();
      await stackClock.advanceClock(2 * 3600_000 + 1000);
      expect(
        await failure(publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }))),
      ).toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has expired" });
      expect(await failure(publicCognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has expired",
      });
    } finally {
      await stackClock.setClock(Date.now());
    }
  });
});

describe("sign-out and revocation", () => {
  it("GetUser answers for a live access token", async () => {
    const tokens = await customSignIn();
    const user = await publicCognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(user.Username).toBe(claimsOf(tokens.AccessToken!).username);
    expect(user.UserAttributes).toContainEqual({ Name: "email", Value: EMAIL });
  });

  it("GlobalSignOut ends the user's access tokens and refresh tokens", async () => {
    const a = await customSignIn();
    const b = await customSignIn();
    await publicCognito.send(new GlobalSignOutCommand({ AccessToken: a.AccessToken! }));
    for (const tokens of [a, b]) {
      expect(await failure(publicCognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
      expect(
        await failure(publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }))),
      ).toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
    }
    // A new sign-in works again.
    const c = await customSignIn();
    expect((await publicCognito.send(new GetUserCommand({ AccessToken: c.AccessToken! }))).Username).toBeTruthy();
  });

  it("RevokeToken ends one refresh token and the access tokens issued with it, not the others", async () => {
    const a = await customSignIn();
    const b = await customSignIn();
    await publicCognito.send(new RevokeTokenCommand({ ClientId: clientId, Token: a.RefreshToken! }));
    expect((await failure(publicCognito.send(new GetUserCommand({ AccessToken: a.AccessToken! })))).message).toBe("Access Token has been revoked");
    expect((await failure(publicCognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: a.RefreshToken! })))).message).toBe(
      "Refresh Token has been revoked",
    );
    expect((await publicCognito.send(new GetUserCommand({ AccessToken: b.AccessToken! }))).Username).toBeTruthy();
  });

  it("an access token that is not one of the stack's is refused", async () => {
    expect(await failure(publicCognito.send(new GetUserCommand({ AccessToken: "a.b.c" })))).toMatchObject({ name: "NotAuthorizedException", message: "Invalid Access Token" });
  });
});

describe("USER_PASSWORD_AUTH and client secrets", () => {
  const secretHash = (username: string) => createHmac("sha256", secretClient.secret).update(username + secretClient.id).digest("base64");

  it("signs in with a password, and refuses a wrong one", async () => {
    const ok = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD: PASSWORD } }),
    );
    expect(ok.AuthenticationResult?.IdToken).toBeTruthy();
    expect(
      await failure(publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD: "nope" } }))),
    ).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    const admin = await cognito.send(
      new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD } }),
    );
    expect(admin.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it("a client with a secret wants SECRET_HASH", async () => {
    expect(
      await failure(
        publicCognito.send(new InitiateAuthCommand({ ClientId: secretClient.id, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD } })),
      ),
    ).toMatchObject({ name: "NotAuthorizedException", message: `Client ${secretClient.id} is configured for secret but secret was not received` });
    const ok = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: secretClient.id, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD, SECRET_HASH: secretHash(EMAIL) } }),
    );
    expect(ok.AuthenticationResult?.AccessToken).toBeTruthy();
    expect(secretClient.id).toMatch(/^[a-z0-9]{26}$/);
  });

  it("an admin-created user must choose a new password (NEW_PASSWORD_REQUIRED)", async () => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "lin@example.com", TemporaryPassword: "Temp0rary!", MessageAction: "SUPPRESS" }));
    const first = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "lin@example.com", PASSWORD: "Temp0rary!" } }),
    );
    expect(first.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
    const done = await publicCognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: first.Session,
        ChallengeResponses: { USERNAME: first.ChallengeParameters!.USER_ID_FOR_SRP!, NEW_PASSWORD: "Brand-n3w-pass" },
      }),
    );
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
  });

  it("a disabled user can neither sign in nor refresh", async () => {
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "off@example.com", TemporaryPassword: "Temp0rary!", MessageAction: "SUPPRESS" }));
    const first = await publicCognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "off@example.com", PASSWORD: "Temp0rary!" } }),
    );
    const done = await publicCognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: first.Session,
        ChallengeResponses: { USERNAME: "off@example.com", NEW_PASSWORD: "Perm4nent!" },
      }),
    );
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: "off@example.com" }));
    expect(
      await failure(publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "off@example.com", PASSWORD: "Perm4nent!" } }))),
    ).toMatchObject({ name: "NotAuthorizedException", message: "User is disabled." });
    expect(
      (await failure(publicCognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: done.AuthenticationResult!.RefreshToken! })))).name,
    ).toBe("NotAuthorizedException");
  });
});
