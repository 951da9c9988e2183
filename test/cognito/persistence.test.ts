import {
  AdminCreateUserCommand,
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
import { silentLogger } from "../../server/core/logger.js";
import { listenStack, type Stack } from "../../server/stack.js";
import { clients, failure, mailbox } from "./helpers.js";

/** Pools, clients, users, signing keys, refresh tokens, revocations and mail survive a restart. */
const dataDir = mkdtempSync(join(tmpdir(), "rekognito-cognito-data-"));
let stack: Stack | undefined;

const start = async (port = 0) => (stack = await listenStack({ dataDir, logger: silentLogger, port }));

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
});
