import { describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { MAX_DETAIL_BYTES, MAX_STEP_DETAIL, MAX_STEPS, MAX_TRACES, presignedTarget, TraceRecorder, traceRoot, type TraceChange } from "../../server/core/traces.js";

/**
 * The console's trace recorder: what ties a sign-in's pieces together (the session, the
 * invocations' X-Ray headers, the presigned upload), and the bounds that keep it from growing
 * with the traffic.
 */

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));

describe("trace recorder", () => {
  it("ties a sign-in together: triggers, their invocations, the calls those made, the upload, the S3 event and its function", () => {
    const traces = new TraceRecorder(clock);
    const signIn = traces.signIn({ poolId: "us-east-1_abc", clientId: "client", username: "ana@example.com" });
    const create = traces.trigger(signIn, "CreateAuthChallenge", "arn:aws:lambda:us-east-1:000000000000:function:create", { request: { userNotFound: false } });
    const invocation = traces.invocation("create", "req-1", create.link, "a Cognito trigger");
    // The SDK inside the function sends the header back as X-Amzn-Trace-Id.
    traces.call({ traceHeader: invocation.header, service: "ses", action: "SendEmail", status: 200, ms: 2 });
    traces.call({ traceHeader: invocation.header, service: "dynamodb", action: "UpdateItem", status: 400, ms: 1, errorType: "ConditionalCheckFailedException", expected: true });
    invocation.end({ ok: true, log: "START RequestId: req-1\nREPORT RequestId: req-1\tDuration: 12.50 ms\n" });
    create.end({ ok: true, response: { response: { publicChallengeParameters: { step: "ENROLL" } } } });
    traces.challenge(signIn, {
      publicParameters: { step: "ENROLL", uploadUrl: "http://127.0.0.1:4566/docs/documents/sub/c1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc", uploadKey: "documents/sub/c1" },
      privateParameters: { code: "123456" },
    });
    traces.round(signIn, { kind: "challenge", publicParameters: { step: "ENROLL" } });
    // The browser's PUT carries no trace header: the presigned URL ties it to the sign-in.
    traces.call({ traceHeader: undefined, service: "s3", action: "PutObject", status: 200, ms: 3, s3Object: { bucket: "docs", key: "documents/sub/c1" } });
    const link = traces.s3Event({ bucket: "docs", key: "documents/sub/c1", eventName: "ObjectCreated:Put", target: "arn:aws:lambda:us-east-1:000000000000:function:index-faces", configurationId: "c", event: {} });
    const indexing = traces.invocation("index-faces", "req-2", link, "S3 notification");
    traces.call({ traceHeader: indexing.header, service: "rekognition", action: "IndexFaces", status: 200, ms: 4, details: () => ({ indexed: [{ faceId: "f1" }] }) });
    indexing.end({ ok: true, log: "" });

    const trace = traces.get(signIn)!;
    const byType = (type: string) => trace.steps.filter((s) => s.type === type);
    expect(trace.kind).toBe("sign-in");
    expect(trace.user).toBe("ana@example.com");
    expect(trace.steps.map((s) => s.type)).toEqual(["InitiateAuth", "trigger", "invocation", "call", "call", "challenge", "upload", "s3-event", "invocation", "call"]);
    const [createStep] = byType("trigger");
    const [createInvocation, indexInvocation] = byType("invocation");
    expect(createInvocation!.parent).toBe(createStep!.seq);
    expect(createInvocation!.ms).toBe(12.5);
    expect(byType("call").slice(0, 2).every((s) => s.parent === createInvocation!.seq)).toBe(true);
    expect(byType("call")[1]).toMatchObject({ ok: true, expected: true, error: "ConditionalCheckFailedException" });
    expect(JSON.parse(createStep!.detail!)).toMatchObject({ event: { request: { userNotFound: false } }, response: { publicChallengeParameters: { step: "ENROLL" } } });
    expect(JSON.parse(byType("challenge")[0]!.detail!).privateChallengeParameters).toEqual({ code: "123456" });
    expect(indexInvocation!.parent).toBe(byType("s3-event")[0]!.seq);
    expect(JSON.parse(byType("call")[2]!.detail!)).toEqual({ indexed: [{ faceId: "f1" }] });
    expect(trace.outcome).toBe("challenge");
    // Nothing else became a trace of its own.
    expect(traces.size).toBe(1);
  });

  it("records the outcome: tokens, or the error Cognito answered", () => {
    const traces = new TraceRecorder(clock);
    const good = traces.signIn({ poolId: "p", clientId: "c", username: "a@example.com" });
    traces.round(good, { kind: "tokens", idTokenClaims: { email: "a@example.com" } });
    const bad = traces.signIn({ poolId: "p", clientId: "c", username: "b@example.com" });
    traces.round(bad, { kind: "error", type: "NotAuthorizedException", message: "Incorrect username or password." });
    expect(traces.get(good)!.outcome).toBe("signed in");
    expect(traces.get(bad)!.outcome).toBe("refused");
    expect(traces.get(bad)!.steps.at(-1)).toMatchObject({ type: "failure", ok: false, title: "NotAuthorizedException: Incorrect username or password." });
  });

  it("an invocation no sign-in or S3 event started is a trace of its own; calls without a known header are not recorded", () => {
    const traces = new TraceRecorder(clock);
    const span = traces.invocation("echo", "req-9", undefined, "Invoke");
    traces.call({ traceHeader: "Root=1-00000000-000000000000000000000999;Sampled=0", service: "s3", action: "GetObject", status: 200, ms: 1 });
    span.end({ ok: false, errorType: "Error", errorMessage: "boom", log: "" });
    const [only] = traces.list();
    expect(only).toMatchObject({ kind: "invocation", title: "echo (Invoke)", outcome: "failed", steps: 1 });
    // Once the invocation ended, its header ties nothing more to it.
    traces.call({ traceHeader: span.header, service: "s3", action: "GetObject", status: 200, ms: 1 });
    expect(traces.get(only!.id)!.steps).toHaveLength(1);
  });

  it("filters by user and pool, newest first", () => {
    const traces = new TraceRecorder(clock);
    traces.signIn({ poolId: "p1", clientId: "c", username: "ana@example.com" });
    traces.signIn({ poolId: "p2", clientId: "c", username: "bruno@example.com" });
    traces.signIn({ poolId: "p1", clientId: "c", username: "Ana@Example.com" });
    expect(traces.list({ user: "ana" }).map((t) => t.user)).toEqual(["Ana@Example.com", "ana@example.com"]);
    expect(traces.list({ poolId: "p2" }).map((t) => t.user)).toEqual(["bruno@example.com"]);
  });

  it("keeps at most MAX_TRACES traces, the oldest going first", () => {
    const traces = new TraceRecorder(clock);
    const first = traces.signIn({ poolId: "p", clientId: "c", username: "first@example.com" });
    for (let i = 0; i < MAX_TRACES + 50; i++) traces.signIn({ poolId: "p", clientId: "c", username: `u${i}@example.com` });
    expect(traces.size).toBe(MAX_TRACES);
    expect(traces.get(first)).toBeUndefined();
    expect(traces.list()[0]!.user).toBe(`u${MAX_TRACES + 49}@example.com`);
  });

  it("bounds what it holds: steps per trace, bytes per step, bytes in all", () => {
    const traces = new TraceRecorder(clock);
    const id = traces.signIn({ poolId: "p", clientId: "c", username: "a@example.com" });
    for (let i = 0; i < MAX_STEPS + 10; i++) traces.step(id, { type: "call", title: `call ${i}` });
    expect(traces.get(id)!.steps).toHaveLength(MAX_STEPS);
    expect(traces.get(id)!.dropped).toBe(11);

    const big = traces.signIn({ poolId: "p", clientId: "c", username: "b@example.com" });
    const trigger = traces.trigger(big, "DefineAuthChallenge", "arn", { blob: "x".repeat(200_000) });
    const step = traces.get(big)!.steps.at(-1)!;
    expect(step.detail!.length).toBeLessThan(MAX_STEP_DETAIL + 200);
    expect(JSON.parse(step.detail!).truncated).toMatch(/characters left out/);
    trigger.end({ ok: true, response: {} });

    // Thousands of sign-ins with large events: the held bytes stay under the budget.
    for (let i = 0; i < 1000; i++) {
      const t = traces.signIn({ poolId: "p", clientId: "c", username: `bulk${i}@example.com` });
      traces.trigger(t, "VerifyAuthChallengeResponse", "arn", { blob: "y".repeat(MAX_STEP_DETAIL) }).end({ ok: true, response: { blob: "z".repeat(MAX_STEP_DETAIL) } });
    }
    expect(traces.detailBytes).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(traces.size).toBeGreaterThan(10);
  });

  it("tells listeners of each change, until they unsubscribe", () => {
    const traces = new TraceRecorder(clock);
    const seen: TraceChange[] = [];
    const stop = traces.subscribe((change) => seen.push(change));
    const id = traces.signIn({ poolId: "p", clientId: "c", username: "a@example.com" });
    stop();
    traces.step(id, { type: "call", title: "after" });
    expect(seen.map((c) => c.step?.type)).toEqual(["InitiateAuth"]);
    expect(seen[0]!.trace).toMatchObject({ id, kind: "sign-in", steps: 1 });
  });

  it("reads X-Ray headers and presigned URLs", () => {
    expect(traceRoot("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")).toBe("1-5759e988-bd862e3fe1be46a994272793");
    expect(traceRoot("Self=1-abc;Root=1-def;Sampled=0")).toBe("1-def");
    expect(traceRoot("garbage")).toBeUndefined();
    expect(presignedTarget("http://127.0.0.1:4566/bucket/a/b%20c.jpg?X-Amz-Signature=1")).toBe("bucket/a/b c.jpg");
    expect(presignedTarget("http://photos.localhost:4566/k.jpg?X-Amz-Signature=1")).toBe("photos/k.jpg");
    expect(presignedTarget("http://127.0.0.1:4566/bucket/key")).toBeUndefined();
    expect(presignedTarget("documents/sub/c1")).toBeUndefined();
  });
});
