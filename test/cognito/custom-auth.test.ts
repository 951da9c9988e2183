import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
  type InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { controlOf, movesClock, onSharedDisk, runId, testTarget, type TestTarget } from "../support/target.js";
import { failure } from "../support/failure.js";
import { unsignedCognito } from "../support/clients.js";
import { clients, deployTrigger, recordedEvents, TRIGGER_SOURCES } from "./helpers.js";

/**
 * The CUSTOM_AUTH flow end to end: the unmodified Cognito and Lambda SDK clients against a
 * started stack, with Define/Create/Verify deployed through CreateFunction and run by the
 * Lambda runner. With REKOGNITO_TEST_ENDPOINT it drives that stack (names suffixed with the run
 * id); tests that read the events the triggers log on the stack's disk skip against a stack on
 * another machine, and those that move the clock (through POST /_rekognito/clock) against a
 * stack on the system clock.
 */
let target: TestTarget;
let cognito: CognitoIdentityProviderClient;
let publicCognito: CognitoIdentityProviderClient;
const clock = new ManualClock(Date.now());
const dir = mkdtempSync(join(tmpdir(), "rekognito-custom-auth-"));
const eventLog = join(dir, "events.jsonl");

interface Setup {
  poolId: string;
  /** PreventUserExistenceErrors ENABLED */
  clientId: string;
  /** PreventUserExistenceErrors LEGACY */
  legacyClientId: string;
}
let main: Setup;
let twoRounds: Setup;
const faulty: Record<string, Setup> = {};
let noCustomClientId: string;
let noTriggerPool: Setup;

const EMAIL = "ada@example.com";

async function makePool(name: string, lambdaConfig: Record<string, string>): Promise<Setup> {
  const pool = await cognito.send(
    new CreateUserPoolCommand({ PoolName: `${name}-${runId}`, UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"], LambdaConfig: lambdaConfig }),
  );
  const poolId = pool.UserPool!.Id!;
  const make = async (prevent: "ENABLED" | "LEGACY") =>
    (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: `${name}-${prevent}`,
          ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          PreventUserExistenceErrors: prevent,
        }),
      )
    ).UserPoolClient!.ClientId!;
  const setup = { poolId, clientId: await make("ENABLED"), legacyClientId: await make("LEGACY") };
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: EMAIL,
      UserAttributes: [{ Name: "email_verified", Value: "true" }],
      MessageAction: "SUPPRESS",
    }),
  );
  return setup;
}

beforeAll(async () => {
  target = await testTarget({ clock });
  const sdk = clients(target.endpoint);
  cognito = sdk.cognito;
  publicCognito = unsignedCognito(target.endpoint);
  const fn = (name: string) => `${name}-${runId}`;
  const env = { EVENT_LOG: eventLog };
  const [define, define2, create, verify, defineThrow, defineSlow, defineMalformed, verifyMalformed] = await Promise.all([
    deployTrigger(sdk.lambda, fn("define"), TRIGGER_SOURCES.define, env),
    deployTrigger(sdk.lambda, fn("define-two-rounds"), TRIGGER_SOURCES.define, { ...env, ROUNDS: "2" }),
    deployTrigger(sdk.lambda, fn("create"), TRIGGER_SOURCES.create, env),
    deployTrigger(sdk.lambda, fn("verify"), TRIGGER_SOURCES.verify, env),
    deployTrigger(sdk.lambda, fn("define-throws"), TRIGGER_SOURCES.define, { MODE: "throw" }),
    deployTrigger(sdk.lambda, fn("define-slow"), TRIGGER_SOURCES.define, { MODE: "slow" }, 30),
    deployTrigger(sdk.lambda, fn("define-malformed"), TRIGGER_SOURCES.define, { MODE: "malformed" }),
    deployTrigger(sdk.lambda, fn("verify-malformed"), TRIGGER_SOURCES.verify, { MODE: "malformed" }),
  ]);
  const triggers = { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verify };
  main = await makePool("main", triggers);
  twoRounds = await makePool("two-rounds", { ...triggers, DefineAuthChallenge: define2 });
  faulty.throws = await makePool("throws", { ...triggers, DefineAuthChallenge: defineThrow });
  faulty.slow = await makePool("slow", { ...triggers, DefineAuthChallenge: defineSlow });
  faulty.malformed = await makePool("malformed", { ...triggers, DefineAuthChallenge: defineMalformed });
  faulty.verifyMalformed = await makePool("verify-malformed", { ...triggers, VerifyAuthChallengeResponse: verifyMalformed });
  faulty.missing = await makePool("missing", { ...triggers, DefineAuthChallenge: `arn:aws:lambda:us-east-1:000000000000:function:${fn("no-such-function")}` });
  noTriggerPool = await makePool("no-triggers", {});
  noCustomClientId = (
    await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: main.poolId, ClientName: "password-only", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
    )
  ).UserPoolClient!.ClientId!;
});

afterAll(async () => {
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (clientId: string, username = EMAIL) =>
  publicCognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: username } }));

const answer = (clientId: string, previous: InitiateAuthCommandOutput, text: string, clientMetadata?: Record<string, string>) =>
  publicCognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: previous.Session,
      ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER: text },
      ClientMetadata: clientMetadata,
    }),
  );

describe("CUSTOM_AUTH, one round", () => {
  it("asks a challenge with the public parameters plus USERNAME, then issues tokens for the right answer", async () => {
    const first = await start(main.clientId);
    expect(first.ChallengeName).toBe("CUSTOM_CHALLENGE");
    expect(first.Session!.length).toBeGreaterThan(200);
    expect(first.ChallengeParameters).toEqual({ round: "1", hint: "say answer-1", USERNAME: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(first.ChallengeParameters).not.toHaveProperty("answer");
    expect(first.AuthenticationResult).toBeUndefined();

    const done = await answer(main.clientId, first, "answer-1");
    expect(done.ChallengeName).toBeUndefined();
    expect(done.AuthenticationResult).toMatchObject({ TokenType: "Bearer", ExpiresIn: 3600 });
    expect(done.AuthenticationResult!.IdToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(done.AuthenticationResult!.RefreshToken).toBeTruthy();
  });

  onSharedDisk("reads the events the triggers log on the stack's disk")("sends the triggers the events AWS sends, with ClientMetadata only from RespondToAuthChallenge", async () => {
    rmSync(eventLog, { force: true });
    const first = await start(main.clientId, "ADA@Example.com");
    await answer(main.clientId, first, "answer-1", { device: "laptop" });
    const events = recordedEvents(eventLog);
    expect(events.map((e) => e.triggerSource)).toEqual([
      "DefineAuthChallenge_Authentication",
      "CreateAuthChallenge_Authentication",
      "VerifyAuthChallengeResponse_Authentication",
      "DefineAuthChallenge_Authentication",
    ]);
    const [define1, create1, verify1, define2] = events;
    const username = first.ChallengeParameters!.USERNAME;
    const userAttributes = { sub: username, email: EMAIL, email_verified: "true", "cognito:user_status": "FORCE_CHANGE_PASSWORD" };
    expect(define1).toEqual({
      version: "1",
      region: "us-east-1",
      userPoolId: main.poolId,
      triggerSource: "DefineAuthChallenge_Authentication",
      userName: username,
      callerContext: { awsSdkVersion: expect.stringMatching(/^aws-sdk-js-3\./), clientId: main.clientId },
      request: { userAttributes, session: [], userNotFound: false },
      response: {},
    });
    expect(create1.request).toEqual({ userAttributes, challengeName: "CUSTOM_CHALLENGE", session: [], userNotFound: false });
    expect(verify1.request).toEqual({
      userAttributes,
      privateChallengeParameters: { answer: "answer-1" },
      challengeAnswer: "answer-1",
      clientMetadata: { device: "laptop" },
      userNotFound: false,
    });
    expect(define2.request).toEqual({
      userAttributes,
      session: [{ challengeName: "CUSTOM_CHALLENGE", challengeResult: true, challengeMetadata: "ROUND_1" }],
      clientMetadata: { device: "laptop" },
      userNotFound: false,
    });
  });
});

describe("CUSTOM_AUTH, several rounds", () => {
  it("asks a second challenge after the first right answer, with a new session each time", async () => {
    const first = await start(twoRounds.clientId);
    expect(first.ChallengeParameters!.round).toBe("1");
    const second = await answer(twoRounds.clientId, first, "answer-1");
    expect(second.ChallengeName).toBe("CUSTOM_CHALLENGE");
    expect(second.ChallengeParameters).toMatchObject({ round: "2", USERNAME: first.ChallengeParameters!.USERNAME });
    expect(second.Session).not.toBe(first.Session);
    const done = await answer(twoRounds.clientId, second as InitiateAuthCommandOutput, "answer-2");
    expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it("ends the sign-in after three wrong answers with NotAuthorizedException", async () => {
    let step: InitiateAuthCommandOutput = await start(main.clientId);
    for (let i = 0; i < 2; i++) {
      step = (await answer(main.clientId, step, "wrong")) as InitiateAuthCommandOutput;
      expect(step.ChallengeName).toBe("CUSTOM_CHALLENGE");
      expect(step.ChallengeParameters!.round).toBe("1");
    }
    expect(await failure(answer(main.clientId, step, "wrong"))).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
  });
});

describe("CUSTOM_AUTH through the admin actions", () => {
  it("AdminInitiateAuth and AdminRespondToAuthChallenge run the same flow, signed", async () => {
    const first = await cognito.send(
      new AdminInitiateAuthCommand({ UserPoolId: main.poolId, ClientId: main.clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: EMAIL } }),
    );
    expect(first.ChallengeName).toBe("CUSTOM_CHALLENGE");
    const done = await cognito.send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: main.poolId,
        ClientId: main.clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: first.Session,
        ChallengeResponses: { USERNAME: EMAIL, ANSWER: "answer-1" },
      }),
    );
    expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
    expect(
      await failure(cognito.send(new AdminInitiateAuthCommand({ UserPoolId: twoRounds.poolId, ClientId: main.clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: EMAIL } }))),
    ).toMatchObject({ name: "ResourceNotFoundException", message: `User pool client ${main.clientId} does not exist.` });
  });

  it("a request without USERNAME or ANSWER is InvalidParameterException", async () => {
    expect(await failure(publicCognito.send(new InitiateAuthCommand({ ClientId: main.clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: {} })))).toMatchObject({
      name: "InvalidParameterException",
      message: "Missing required parameter USERNAME",
    });
    const first = await start(main.clientId);
    const noAnswer = publicCognito.send(
      new RespondToAuthChallengeCommand({ ClientId: main.clientId, ChallengeName: "CUSTOM_CHALLENGE", Session: first.Session, ChallengeResponses: { USERNAME: EMAIL } }),
    );
    expect(await failure(noAnswer)).toMatchObject({ name: "InvalidParameterException", message: "Missing required parameter ANSWER" });
  });
});

describe("sessions", () => {
  it("are single-use", async () => {
    const first = await start(main.clientId);
    await answer(main.clientId, first, "wrong");
    expect(await failure(answer(main.clientId, first, "answer-1"))).toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid session for the user, session can only be used once.",
    });
  });

  movesClock("expire after the client's AuthSessionValidity (3 minutes by default)", async () => {
    const stackClock = controlOf(target);
    try {
      const inTime = await start(main.clientId);
      await stackClock.advanceClock(2 * 60_000 + 59_000);
      expect((await answer(main.clientId, inTime, "answer-1")).AuthenticationResult).toBeDefined();

      const late = await start(main.clientId);
      await stackClock.advanceClock(3 * 60_000 + 1000);
      expect(await failure(answer(main.clientId, late, "answer-1"))).toMatchObject({
        name: "NotAuthorizedException",
        message: "Invalid session for the user, session is expired.",
      });
    } finally {
      await stackClock.setClock(Date.now());
    }
  });

  it("are bound to their app client and user, and a made-up one is refused", async () => {
    const first = await start(main.clientId);
    expect((await failure(answer(main.legacyClientId, first, "answer-1"))).name).toBe("NotAuthorizedException");
    const second = await start(main.clientId);
    const other = { ...second, ChallengeParameters: { USERNAME: "someone-else@example.com" } };
    expect((await failure(answer(main.clientId, other, "answer-1"))).name).toBe("NotAuthorizedException");
    const forged = { ...second, Session: "A".repeat(500) };
    expect(await failure(answer(main.clientId, forged, "answer-1"))).toMatchObject({ name: "NotAuthorizedException", message: "Invalid session for the user." });
  });
});

describe("unknown, unconfirmed and disabled users", () => {
  onSharedDisk("reads the events the triggers log on the stack's disk")("with PreventUserExistenceErrors ENABLED, runs the triggers with userNotFound and answers a real-looking challenge", async () => {
    rmSync(eventLog, { force: true });
    const first = await start(main.clientId, "nobody@example.com");
    expect(first.ChallengeName).toBe("CUSTOM_CHALLENGE");
    // USERNAME looks like a registered user's (a sub), and stays the same for the same email,
    // so the answer does not tell an unknown address from a known one.
    const real = await start(main.clientId);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(real.ChallengeParameters!.USERNAME).toMatch(uuid);
    expect(first.ChallengeParameters).toEqual({ round: "1", hint: "say answer-1", USERNAME: expect.stringMatching(uuid) });
    expect((await start(main.clientId, "NOBODY@example.com")).ChallengeParameters!.USERNAME).toBe(first.ChallengeParameters!.USERNAME);
    expect((await start(main.clientId, "someone-else@example.com")).ChallengeParameters!.USERNAME).not.toBe(first.ChallengeParameters!.USERNAME);
    const events = recordedEvents(eventLog);
    expect(events[0].request).toEqual({ userAttributes: {}, session: [], userNotFound: true });
    expect(events[0].userName).toBe(first.ChallengeParameters!.USERNAME);
    // Even the "right" answer never signs a fake user in.
    expect(await failure(answer(main.clientId, first, "answer-1"))).toMatchObject({ name: "NotAuthorizedException", message: "Incorrect username or password." });
  });

  onSharedDisk("reads the events the triggers log on the stack's disk")("with LEGACY, answers UserNotFoundException without running a trigger", async () => {
    rmSync(eventLog, { force: true });
    expect(await failure(start(main.legacyClientId, "nobody@example.com"))).toMatchObject({ name: "UserNotFoundException", message: "User does not exist." });
    expect(recordedEvents(eventLog)).toEqual([]);
  });

  it("refuses an unconfirmed user and a disabled one", async () => {
    await publicCognito.send(new SignUpCommand({ ClientId: main.clientId, Username: "new@example.com", Password: "Passw0rd!" }));
    expect(await failure(start(main.clientId, "new@example.com"))).toMatchObject({ name: "UserNotConfirmedException", message: "User is not confirmed." });
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: main.poolId, Username: EMAIL }));
    expect(await failure(start(main.clientId))).toMatchObject({ name: "NotAuthorizedException", message: "User is disabled." });
    await cognito.send(new AdminEnableUserCommand({ UserPoolId: main.poolId, Username: EMAIL }));
    expect((await start(main.clientId)).ChallengeName).toBe("CUSTOM_CHALLENGE");
  });
});

describe("pool and client configuration", () => {
  it("needs ALLOW_CUSTOM_AUTH on the client and a DefineAuthChallenge trigger on the pool", async () => {
    expect(await failure(start(noCustomClientId))).toMatchObject({ name: "InvalidParameterException", message: "Auth flow not enabled for this client" });
    expect(await failure(start(noTriggerPool.clientId))).toMatchObject({
      name: "InvalidParameterException",
      message: "Custom auth lambda trigger is not configured for the user pool.",
    });
  });
});

describe("trigger faults, as AWS reports them", () => {
  it("a trigger that throws: UserLambdaValidationException", async () => {
    expect(await failure(start(faulty.throws!.clientId))).toMatchObject({
      name: "UserLambdaValidationException",
      message: "DefineAuthChallenge failed with error boom.",
    });
  });

  it("a trigger that answers something other than the event: InvalidLambdaResponseException", async () => {
    expect(await failure(start(faulty.malformed!.clientId))).toMatchObject({ name: "InvalidLambdaResponseException", message: "Unrecognizable lambda output" });
    const first = await start(faulty.verifyMalformed!.clientId);
    expect(await failure(answer(faulty.verifyMalformed!.clientId, first, "answer-1"))).toMatchObject({
      name: "InvalidLambdaResponseException",
      message: "Unrecognizable lambda output",
    });
  });

  it("a trigger whose function does not exist: UnexpectedLambdaException", async () => {
    expect(await failure(start(faulty.missing!.clientId))).toMatchObject({
      name: "UnexpectedLambdaException",
      message: "DefineAuthChallenge invocation failed due to error ResourceNotFoundException",
    });
  });

  it("a trigger slower than Cognito's 5 seconds: UnexpectedLambdaException, and the stack stays up", async () => {
    const began = performance.now();
    expect(await failure(start(faulty.slow!.clientId))).toMatchObject({
      name: "UnexpectedLambdaException",
      message: "DefineAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.",
    });
    const took = performance.now() - began;
    expect(took).toBeGreaterThanOrEqual(4900);
    expect(took).toBeLessThan(7900);
    expect((await start(main.clientId)).ChallengeName).toBe("CUSTOM_CHALLENGE");
  }, 20_000);
});
