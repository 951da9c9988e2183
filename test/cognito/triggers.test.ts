import { cryptoKeys } from "../../server/core/keys.js";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { StackEvents } from "../../server/core/events.js";
import { seededIds } from "../../server/core/ids.js";
import { silentLogger } from "../../server/core/logger.js";
import { ephemeralPersistence } from "../../server/core/persistence.js";
import type { CoreServices } from "../../server/core/services.js";
import type { InvokeResult, LambdaInvoker } from "../../server/lambda/types.js";
import { AwsError } from "../../server/protocol/errors.js";
import { AuthSessions } from "../../server/cognito/sessions.js";
import type { PoolRecord } from "../../server/cognito/store.js";
import { Triggers } from "../../server/cognito/triggers/invoker.js";

/** Unit tests with an in-process fake Lambda: how each kind of trigger fault reaches the caller. */
const clock = new ManualClock();
const core: CoreServices = {
  clock,
  ids: seededIds("triggers"),
  keys: cryptoKeys,
  logger: silentLogger,
  persistence: ephemeralPersistence(),
  accountId: "000000000000",
  defaultRegion: "us-east-1",
  endpoint: () => "http://127.0.0.1:1",
  events: new StackEvents(),
};

function fakeLambda(answer: (payload: any) => InvokeResult | Promise<InvokeResult>): LambdaInvoker & { calls: { arn: string; timeoutMs?: number }[] } {
  const calls: { arn: string; timeoutMs?: number }[] = [];
  return {
    calls,
    exists: (arn) => arn !== "missing",
    invoke: async (arn, payload, options) => {
      calls.push({ arn, timeoutMs: options?.timeoutMs });
      return answer(payload);
    },
  };
}

const pool = { id: "us-east-1_Test12345", region: "us-east-1", lambdaConfig: { DefineAuthChallenge: "define" } } as unknown as PoolRecord;
const event = { response: {} };
const fault = (over: Partial<Extract<InvokeResult, { ok: false }>>): InvokeResult => ({
  ok: false,
  requestId: "r",
  functionError: "Handled",
  errorType: "Error",
  errorMessage: "boom",
  timedOut: false,
  ...over,
});

async function error(run: Promise<unknown>) {
  try {
    await run;
  } catch (e) {
    return { type: (e as AwsError).type, message: (e as AwsError).message };
  }
  throw new Error("expected a failure");
}

describe("Triggers", () => {
  it("invokes with Cognito's 5 second cap and returns the answered event", async () => {
    const lambda = fakeLambda((p) => ({ ok: true, requestId: "r", payload: { ...p, response: { issueTokens: true } } }));
    const out = await new Triggers(core, lambda).run(pool, "DefineAuthChallenge", event);
    expect(out?.response).toEqual({ issueTokens: true });
    expect(lambda.calls).toEqual([{ arn: "define", timeoutMs: 5000 }]);
  });

  it("returns null for a trigger the pool does not configure", async () => {
    expect(await new Triggers(core, fakeLambda(() => fault({}))).run(pool, "PreSignUp", event)).toBeNull();
  });

  it("maps each fault to AWS's error", async () => {
    const run = (result: InvokeResult | (() => never), p = pool) =>
      new Triggers(core, fakeLambda(typeof result === "function" ? result : () => result)).run(p, "DefineAuthChallenge", event);
    expect(await error(run(fault({})))).toEqual({ type: "UserLambdaValidationException", message: "DefineAuthChallenge failed with error boom." });
    expect(await error(run(fault({ functionError: "Unhandled", errorType: "Runtime.ExitError", errorMessage: "exit status 1" })))).toEqual({
      type: "UserLambdaValidationException",
      message: "DefineAuthChallenge failed with error exit status 1.",
    });
    expect(await error(run(fault({ functionError: "Unhandled", timedOut: true })))).toEqual({
      type: "UnexpectedLambdaException",
      message: "DefineAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.",
    });
    expect(await error(run({ ok: true, requestId: "r", payload: null }))).toEqual({ type: "InvalidLambdaResponseException", message: "Unrecognizable lambda output" });
    expect(await error(run({ ok: true, requestId: "r", payload: { response: "yes" } }))).toEqual({
      type: "InvalidLambdaResponseException",
      message: "Unrecognizable lambda output",
    });
    expect(
      await error(
        run(() => {
          throw new AwsError("ResourceNotFoundException", "Function not found");
        }),
      ),
    ).toEqual({ type: "UnexpectedLambdaException", message: "DefineAuthChallenge invocation failed due to error ResourceNotFoundException" });
    const missing = { ...pool, lambdaConfig: { DefineAuthChallenge: "missing" } } as PoolRecord;
    expect(await error(run(fault({}), missing))).toEqual({
      type: "UnexpectedLambdaException",
      message: "DefineAuthChallenge invocation failed due to error ResourceNotFoundException",
    });
  });
});

describe("AuthSessions", () => {
  const session = () => ({
    poolId: "p",
    clientId: "c",
    username: "u",
    userNotFound: false,
    challengeName: "CUSTOM_CHALLENGE",
    history: [],
    privateChallengeParameters: {},
    challengeMetadata: undefined,
    expiresAt: clock.now() + 180_000,
  });

  it("are opaque, single-use, bound and expiring", async () => {
    const sessions = new AuthSessions(core);
    const a = sessions.start(session());
    const b = sessions.start(session());
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThan(500);
    expect(sessions.take(a, "p", "c").username).toBe("u");
    expect(await error(Promise.resolve().then(() => sessions.take(a, "p", "c")))).toMatchObject({ message: "Invalid session for the user, session can only be used once." });
    expect(await error(Promise.resolve().then(() => sessions.take(b, "p", "other")))).toMatchObject({ message: "Invalid session for the user." });
    const c = sessions.start(session());
    clock.advance(180_000);
    expect(await error(Promise.resolve().then(() => sessions.take(c, "p", "c")))).toMatchObject({ message: "Invalid session for the user, session is expired." });
  });
});
