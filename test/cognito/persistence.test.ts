import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  ConfirmForgotPasswordCommand,
  CreateGroupCommand,
  ForgotPasswordCommand,
  GetUserPoolMfaConfigCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { silentLogger } from "../../server/core/logger.js";
import { totpCode } from "../../server/cognito/totp.js";
import { listenStack, type Stack } from "../../server/stack.js";
import { amplifySrp } from "./amplify-srp.js";
import { failure } from "../support/failure.js";
import { clients, mailbox } from "./helpers.js";

/** Pools, clients, users, signing keys, refresh tokens, revocations and mail survive a restart. */
const dataDir = mkdtempSync(join(tmpdir(), "rekognito-cognito-data-"));
let stack: Stack | undefined;

const clock = new ManualClock(Date.now());
const start = async (port = 0) => (stack = await listenStack({ dataDir, logger: silentLogger, port, clock }));

afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("persistence", () => {
  it("keeps everything in the data directory and nothing in the package", async () => {
    const first = await start();
    const port = first.port;
    let { cognito } = clients(first.endpoint);
    const poolId = (await cognito.send(new CreateUserPoolCommand({ PoolName: "kept", UsernameAttributes: ["email"] }))).UserPool!.Id!;
    const client = (
      await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))
    ).UserPoolClient!;
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "kay@example.com", TemporaryPassword: "Temp0rary!" }));
    const challenge = await cognito.send(
      new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "kay@example.com", PASSWORD: "Temp0rary!" } }),
    );
    const signedIn = await cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: client.ClientId!,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: "kay@example.com", NEW_PASSWORD: "Perm4nent!" },
      }),
    );
    const tokens = signedIn.AuthenticationResult!;
    const other = (
      await cognito.send(
        new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "kay@example.com", PASSWORD: "Perm4nent!" } }),
      )
    ).AuthenticationResult!;
    await cognito.send(new RevokeTokenCommand({ ClientId: client.ClientId!, Token: other.RefreshToken! }));
    const jwksBefore = await (await fetch(`${first.endpoint}/${poolId}/.well-known/jwks.json`)).json();
    await first.close();

    // The private key lives in the data directory.
    const files = readdirSync(dataDir);
    expect(files).toContain("cognito.jsonl");
    expect(readFileSync(join(dataDir, "cognito.jsonl"), "utf8")).toContain("BEGIN PRIVATE KEY");

    const second = await start(port);
    ({ cognito } = clients(second.endpoint));
    expect((await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId! }))).UserPoolClient!.ClientName).toBe("web");
    expect(await (await fetch(`${second.endpoint}/${poolId}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
    // The access token issued before the restart still works, the new password too, and refresh.
    expect((await cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).UserAttributes).toContainEqual({ Name: "email", Value: "kay@example.com" });
    const again = await cognito.send(
      new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "kay@example.com", PASSWORD: "Perm4nent!" } }),
    );
    expect(again.AuthenticationResult?.AccessToken).toBeTruthy();
    const refreshed = await cognito.send(
      new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }),
    );
    expect(refreshed.AuthenticationResult?.IdToken).toBeTruthy();
    // Revocations are kept too.
    expect((await failure(cognito.send(new GetUserCommand({ AccessToken: other.AccessToken! })))).message).toBe("Access Token has been revoked");
    // And the mail sent before the restart.
    expect((await mailbox(second.endpoint, "kay@example.com"))[0]).toMatchObject({ reason: "AdminCreateUser", code: "Temp0rary!" });
  });

  it("keeps groups, MFA settings, TOTP secrets, SRP verifiers and pending reset codes", async () => {
    const first = await start();
    let { cognito } = clients(first.endpoint);
    const poolId = (await cognito.send(new CreateUserPoolCommand({ PoolName: "kept-mfa", UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"] }))).UserPool!.Id!;
    await cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const clientId = (
      await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))
    ).UserPoolClient!.ClientId!;
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "lin@example.com", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email_verified", Value: "true" }] }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "lin@example.com", Password: "Passw0rd!x", Permanent: true }));
    await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: "staff", Precedence: 2 }));
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: "lin@example.com", GroupName: "staff" }));
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "lin@example.com", PASSWORD: "Passw0rd!x" } }),
    );
    const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken: AuthenticationResult!.AccessToken! }));
    await cognito.send(new VerifySoftwareTokenCommand({ AccessToken: AuthenticationResult!.AccessToken!, UserCode: totpCode(SecretCode!, clock.now()) }));
    await cognito.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: poolId, Username: "lin@example.com", SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    await cognito.send(new ForgotPasswordCommand({ ClientId: clientId, Username: "lin@example.com" }));
    const resetCode = (await mailbox(first.endpoint, "lin@example.com")).at(-1)!.code!;
    const port = first.port;
    await first.close();

    const second = await start(port);
    ({ cognito } = clients(second.endpoint));
    expect((await cognito.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).SoftwareTokenMfaConfiguration?.Enabled).toBe(true);
    // SRP with the verifier kept, then TOTP with the secret kept, then the groups in the token.
    const srp = await amplifySrp(poolId);
    const challenge = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "lin@example.com", SRP_A: srp.A } }));
    const mfa = await cognito.send(
      new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "PASSWORD_VERIFIER", Session: challenge.Session, ChallengeResponses: await srp.respond(challenge.ChallengeParameters!, "Passw0rd!x") }),
    );
    expect(mfa.ChallengeName).toBe("SOFTWARE_TOKEN_MFA");
    clock.advance(30_000);
    const done = await cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        Session: mfa.Session,
        ChallengeResponses: { USERNAME: "lin@example.com", SOFTWARE_TOKEN_MFA_CODE: totpCode(SecretCode!, clock.now()) },
      }),
    );
    const claims = JSON.parse(Buffer.from(done.AuthenticationResult!.IdToken!.split(".")[1]!, "base64url").toString());
    expect(claims["cognito:groups"]).toEqual(["staff"]);
    // The reset code mailed before the restart still works.
    await cognito.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: "lin@example.com", ConfirmationCode: resetCode, Password: "N3wPassw0rd!" }));
  });
});

