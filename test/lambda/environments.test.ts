import { AddPermissionCommand, CreateFunctionCommand, InvokeCommand, LambdaClient, PublishVersionCommand, RemovePermissionCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualTimers } from "../../server/core/timers.js";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, lambdaService, ROLE, zipOf } from "./helpers.js";

/**
 * Execution environments that scale and sleep: none until a function is invoked, one init per
 * environment (Init Duration in its first REPORT), reclaimed after the idle period, and no more
 * than the stack-wide cap at once (an idle one of another function makes way; with none idle,
 * an invocation waits). The idle period runs on injected timers: the test moves time.
 */

const IDLE_SECONDS = 60;
const timers = new ManualTimers();
let stack: Stack;
let client: LambdaClient;

beforeAll(async () => {
  stack = await startStack({ lambda: { timers, idleSeconds: IDLE_SECONDS, maxEnvironments: 2 } });
  client = lambdaClient(stack);
  for (const name of ["a", "b", "c"]) {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs20.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zipOf({ "index.mjs": "let calls = 0;\nexport const handler = async (e) => { calls++; if (e.wait) await new Promise((r) => setTimeout(r, e.wait)); return calls; };\n" }) },
      }),
    );
  }
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

const runner = () => lambdaService(stack).backend.runner;
const live = () => runner().environments().filter((e) => e.state !== "dead").length;
const count = (name: string) => runner().stats()[name]?.environments ?? 0;

async function invoke(name: string, event: unknown = {}) {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(event), LogType: "Tail" }));
  return { calls: JSON.parse(Buffer.from(out.Payload!).toString()) as number, log: Buffer.from(out.LogResult ?? "", "base64").toString() };
}

describe("execution environments", () => {
  it("starts none until an invocation, inits once per environment and reclaims it after the idle period", async () => {
    expect(live()).toBe(0);
    const cold = await invoke("a");
    expect(cold.calls).toBe(1);
    expect(cold.log).toMatch(/\tInit Duration: [\d.]+ ms\t/);
    const warm = await invoke("a");
    expect(warm.calls).toBe(2);
    expect(warm.log).not.toContain("Init Duration");
    expect(count("a")).toBe(1);

    timers.advance((IDLE_SECONDS - 1) * 1000);
    expect(count("a")).toBe(1);
    // Used again: its idle period starts over.
    expect((await invoke("a")).calls).toBe(3);
    timers.advance((IDLE_SECONDS - 1) * 1000);
    expect(count("a")).toBe(1);
    timers.advance(2000);
    expect(count("a")).toBe(0);
    expect(live()).toBe(0);

    // The next call is a cold start again: module state gone, Init Duration reported.
    const again = await invoke("a");
    expect(again.calls).toBe(1);
    expect(again.log).toContain("Init Duration");
  });

  it("starts one environment ahead of an invocation when asked (a custom sign-in's next triggers), and none when the function has one", async () => {
    expect(count("b")).toBe(0);
    lambdaService(stack).prepare!("b");
    for (let i = 0; i < 500 && !runner().environments().some((e) => e.spec.functionName === "b" && e.state === "idle"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(count("b")).toBe(1);
    lambdaService(stack).prepare!("b");
    await new Promise((r) => setImmediate(r));
    expect(count("b")).toBe(1);
    // The invocation finds it loaded; its first REPORT still says what the init took.
    const first = await invoke("b");
    expect(first.calls).toBe(1);
    expect(first.log).toContain("Init Duration");
    expect(count("b")).toBe(1);
    // A function that does not exist: nothing happens.
    lambdaService(stack).prepare!("no-such-function");
  });

  it("keeps no more environments than the stack-wide cap: the least recently used idle one makes way", async () => {
    await invoke("a");
    timers.advance(1000);
    await invoke("b");
    timers.advance(1000);
    expect(live()).toBe(2);
    // a is the least recently used: c takes its place.
    expect((await invoke("c")).calls).toBe(1);
    expect(live()).toBe(2);
    expect([count("a"), count("b"), count("c")]).toEqual([0, 1, 1]);
    expect((await invoke("b")).calls).toBeGreaterThan(1);
  });

  it("makes an invocation wait for room when every environment under the cap is busy", async () => {
    const busyA = invoke("a", { wait: 300 });
    const busyB = invoke("b", { wait: 300 });
    // Both are running (a was reclaimed above: it starts again, in place of c, idle).
    for (let i = 0; i < 200 && runner().environments().filter((e) => e.state === "busy").length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(runner().environments().filter((e) => e.state === "busy").length).toBe(2);
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, live())), 5);
    try {
      const waiting = await invoke("c");
      expect(waiting.calls).toBeGreaterThanOrEqual(1);
      await Promise.all([busyA, busyB]);
    } finally {
      clearInterval(watch);
    }
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("keeps a warm environment through a change of the function's resource policy or a published version, not through a change of its configuration", async () => {
    await invoke("c");
    const warm = (await invoke("c")).calls;
    // Each changes the function's RevisionId, none its code or configuration: on AWS its warm
    // environments stay (the face-login app's triggers get their permissions just after they are made).
    await client.send(new AddPermissionCommand({ FunctionName: "c", StatementId: "cognito", Action: "lambda:InvokeFunction", Principal: "cognito-idp.amazonaws.com" }));
    expect((await invoke("c")).calls).toBe(warm + 1);
    await client.send(new RemovePermissionCommand({ FunctionName: "c", StatementId: "cognito" }));
    await client.send(new PublishVersionCommand({ FunctionName: "c" }));
    const after = await invoke("c");
    expect(after.calls).toBe(warm + 2);
    expect(after.log).not.toContain("Init Duration");

    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "c", Environment: { Variables: { CHANGED: "1" } } }));
    const changed = await invoke("c");
    expect(changed.calls).toBe(1);
    expect(changed.log).toContain("Init Duration");
  });
});
