import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
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
import { clients, deployTrigger, recordedEvents, TRIGGER_SOURCES } from "./helpers.js";

/**
 * SRP through the plain SDK clients, the client half computed by Amplify's own SRP helper:
 * USER_SRP_AUTH and its admin variant, what an unknown user sees, the session's rules, and
 * CUSTOM_AUTH with SRP_A as the Define trigger sees it.
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let open: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let legacyClientId: string;
let noSrpClientId: string;
const dir = mkdtempSync(join(tmpdir(), "rekognito-srp-"));
const eventLog = join(dir, "events.jsonl");
const PASSWORD = "Corr3ct-Horse!";

// Define for CUSTOM_AUTH with SRP_A: PASSWORD_VERIFIER after SRP_A, fail on a wrong password, tokens after it.
const DEFINE = `const fs = require("node:fs");
exports.handler = async (event) => {
  fs.appendFileSync(process.env.EVENT_LOG, JSON.stringify(event) + "\\n");
  const s = event.request.session;
  const last = s[s.length - 1];
  const r = event.response;
  r.issueTokens = false; r.failAuthentication = false;
  if (last && last.challengeName === "SRP_A") r.challengeName = "PASSWORD_VERIFIER";
  else if (last && last.challengeName === "PASSWORD_VERIFIER") { if (last.challengeResult) r.issueTokens = true; else r.failAuthentication = true; }
  else r.challengeName = "CUSTOM_CHALLENGE";
  return event;
};`;

beforeAll(async () => {
  stack = await startStack();
  const sdk = clients(stack.endpoint);
  cognito = sdk.cognito;
  open = unsignedCognito(stack.endpoint);
  const define = await deployTrigger(sdk.lambda, "srp-define", DEFINE, { EVENT_LOG: eventLog });
  const create = await deployTrigger(sdk.lambda, "srp-create", TRIGGER_SOURCES.create);
  const verify = await deployTrigger(sdk.lambda, "srp-verify", TRIGGER_SOURCES.verify);
  poolId = (
    await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "srp",
        UsernameAttributes: ["email"],
        LambdaConfig: { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verify },
      }),
    )
  ).UserPool!.Id!;
  const client = async (name: string, flows: string[] | undefined, prevent: "ENABLED" | "LEGACY") =>
    (
      await cognito.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: name, ExplicitAuthFlows: flows as never, PreventUserExistenceErrors: prevent }),
      )
    ).UserPoolClient!.ClientId!;
  // No ExplicitAuthFlows: AWS's default set (SRP, custom, refresh).
  clientId = await client("default-flows", undefined, "ENABLED");
  legacyClientId = await client("legacy-errors", undefined, "LEGACY");
  noSrpClientId = await client("password-only", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "ENABLED");
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "emmy@example.com", MessageAction: "SUPPRESS" }));
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "emmy@example.com", Password: PASSWORD, Permanent: true }));
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const initiate = (A: string, username = "emmy@example.com", id = clientId) =>
  open.send(new InitiateAuthCommand({ ClientId: id, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: username, SRP_A: A } }));
const respond = (session: string | undefined, responses: Record<string, string>, id = clientId) =>
  open.send(new RespondToAuthChallengeCommand({ ClientId: id, ChallengeName: "PASSWORD_VERIFIER", Session: session, ChallengeResponses: responses }));
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("USER_SRP_AUTH", () => {
  it("answers PASSWORD_VERIFIER with AWS's parameters, and tokens for the right password claim", async () => {
    const srp = await amplifySrp(poolId);
    const challenge = await initiate(srp.A);
    expect(challenge.ChallengeName).toBe("PASSWORD_VERIFIER");
    const params = challenge.ChallengeParameters!;
    expect(Object.keys(params).sort()).toEqual(["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"]);
    // The pool signs in by email: the SRP user id is the user's own user name (a UUID), not the address.
    expect(params.USER_ID_FOR_SRP).toMatch(/^[0-9a-f-]{36}$/);
    expect(params.USERNAME).toBe(params.USER_ID_FOR_SRP);
    const done = await respond(challenge.Session, await srp.respond(params, PASSWORD));
    expect(claims(done.AuthenticationResult!.IdToken!)).toMatchObject({ email: "emmy@example.com", "cognito:username": params.USER_ID_FOR_SRP });
  });

  it("refuses a wrong password, another SECRET_BLOCK, a reused session and a malformed TIMESTAMP in AWS's words", async () => {
    const srp = await amplifySrp(poolId);
    let challenge = await initiate(srp.A);
    expect(await failure(respond(challenge.Session, await srp.respond(challenge.ChallengeParameters!, "Wr0ng-Horse!")))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
    challenge = await initiate(srp.A);
    const answer = await srp.respond(challenge.ChallengeParameters!, PASSWORD);
    expect((await failure(respond(challenge.Session, { ...answer, PASSWORD_CLAIM_SECRET_BLOCK: Buffer.alloc(64).toString("base64") }))).message).toBe(
      "Incorrect username or password.",
    );
    expect((await failure(respond(challenge.Session, answer))).message).toBe("Invalid session for the user, session can only be used once.");
    challenge = await initiate(srp.A);
    const bad = await srp.respond(challenge.ChallengeParameters!, PASSWORD, "2026-03-03T09:05:07Z");
    expect((await failure(respond(challenge.Session, bad))).name).toBe("InvalidParameterException");
    expect((await failure(initiate("not-hex"))).name).toBe("InvalidParameterException");
  });

  it("an unknown user gets a challenge like a real one (the same SALT each time) and the same refusal; without PreventUserExistenceErrors, UserNotFoundException", async () => {
    const srp = await amplifySrp(poolId);
    const first = await initiate(srp.A, "ghost@example.com");
    const second = await initiate(srp.A, "ghost@example.com");
    expect(first.ChallengeName).toBe("PASSWORD_VERIFIER");
    expect(first.ChallengeParameters!.SALT).toBe(second.ChallengeParameters!.SALT);
    expect(first.ChallengeParameters!.USER_ID_FOR_SRP).toMatch(/^[0-9a-f-]{36}$/);
    expect(await failure(respond(first.Session, await srp.respond(first.ChallengeParameters!, PASSWORD)))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
    expect((await failure(initiate(srp.A, "ghost@example.com", legacyClientId))).name).toBe("UserNotFoundException");
  });

  it("needs the flow allowed on the app client", async () => {
    const srp = await amplifySrp(poolId);
    expect(await failure(initiate(srp.A, "emmy@example.com", noSrpClientId))).toMatchObject({
      name: "InvalidParameterException",
      message: "Auth flow not enabled for this client",
    });
  });

  it("AdminInitiateAuth and AdminRespondToAuthChallenge run the same exchange, signed", async () => {
    const srp = await amplifySrp(poolId);
    const challenge = await cognito.send(
      new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "emmy@example.com", SRP_A: srp.A } }),
    );
    const done = await cognito.send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: poolId,
        ClientId: clientId,
        ChallengeName: "PASSWORD_VERIFIER",
        Session: challenge.Session,
        ChallengeResponses: await srp.respond(challenge.ChallengeParameters!, PASSWORD),
      }),
    );
    expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
  });
});

describe("CUSTOM_AUTH with SRP_A (Amplify's CUSTOM_WITH_SRP)", () => {
  it("Define sees SRP_A, then PASSWORD_VERIFIER with its result, as AWS puts them in the session", async () => {
    const srp = await amplifySrp(poolId);
    const start = () =>
      open.send(
        new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "emmy@example.com", SRP_A: srp.A, CHALLENGE_NAME: "SRP_A" } }),
      );
    const challenge = await start();
    expect(challenge.ChallengeName).toBe("PASSWORD_VERIFIER");
    const answer = await srp.respond(challenge.ChallengeParameters!, PASSWORD);
    const done = await open.send(
      new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "PASSWORD_VERIFIER", Session: challenge.Session, ChallengeResponses: answer, ClientMetadata: { app: "web" } }),
    );
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
    const events = recordedEvents(eventLog).filter((e) => e.triggerSource === "DefineAuthChallenge_Authentication");
    expect(events.at(-2).request).toEqual({
      userAttributes: expect.objectContaining({ email: "emmy@example.com" }),
      session: [{ challengeName: "SRP_A", challengeResult: true, challengeMetadata: null }],
      userNotFound: false,
    });
    expect(events.at(-1).request).toMatchObject({
      session: [
        { challengeName: "SRP_A", challengeResult: true, challengeMetadata: null },
        { challengeName: "PASSWORD_VERIFIER", challengeResult: true, challengeMetadata: null },
      ],
      clientMetadata: { app: "web" },
    });

    // A wrong password reaches Define as a failed PASSWORD_VERIFIER; this Define fails the sign-in.
    const again = await start();
    const wrong = await srp.respond(again.ChallengeParameters!, "Wr0ng-Horse!");
    expect(
      await failure(open.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "PASSWORD_VERIFIER", Session: again.Session, ChallengeResponses: wrong }))),
    ).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
    expect(recordedEvents(eventLog).at(-1).request.session[1]).toEqual({ challengeName: "PASSWORD_VERIFIER", challengeResult: false, challengeMetadata: null });
  });
});
