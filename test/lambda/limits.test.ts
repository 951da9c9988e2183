import { deflateRawSync, constants } from "node:zlib";
import {
  CreateFunctionCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  type CreateFunctionCommandInput,
} from "@aws-sdk/client-lambda";
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import { ManualTimers } from "../../server/core/timers.js";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, lambdaService, payloadOf, ROLE, zipOf } from "./helpers.js";

/**
 * Lambda's limits as AWS enforces them, and a function that cannot take the server down: memory
 * from MemorySize, payload sizes, a bounded log, timeouts that count from the call (queued
 * invocations included), a handler that signals or exits, zip bombs. Every case ends with the
 * server answering and the function working again.
 */

const PRINTED_LOG_BYTES = 16 * 1024;
const logger = new MemoryLogger();
let stack: Stack;
let client: LambdaClient;

beforeAll(async () => {
  stack = await startStack({ logger, lambda: { printedLogBytesPerInvocation: PRINTED_LOG_BYTES } });
  client = lambdaClient(stack);
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

async function create(name: string, source: string, extra: Partial<CreateFunctionCommandInput> = {}, to: LambdaClient = client) {
  return to.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zipOf({ "index.mjs": source }) },
      ...extra,
    }),
  );
}

async function invoke(name: string, event: unknown = {}, to: LambdaClient = client) {
  const out = await to.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(event), LogType: "Tail" }));
  return { out, payload: payloadOf(out) as any, log: Buffer.from(out.LogResult ?? "", "base64").toString("utf8") };
}

async function healthy(): Promise<void> {
  const health = await fetch(`${stack.endpoint}/_rekognito/health`);
  expect(health.status).toBe(200);
}

/** What the SDK raised, as status, type and message. */
async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  return { status: error.$metadata.httpStatusCode, name: error.name, message: error.message };
}

describe("memory from MemorySize", () => {
  it("ends an invocation that outgrows its memory as Runtime.OutOfMemory; the next one runs", async () => {
    await create(
      "hungry",
      `const kept = [];
export const handler = async (event) => {
  if (!event.eat) return { kept: kept.length };
  // Buffers live outside V8's heap: only the environment's own memory limit stops them.
  for (;;) { kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); }
};\n`,
      { MemorySize: 128 },
    );
    const { out, payload, log } = await invoke("hungry", { eat: true });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    expect(payload.errorType).toBe("Runtime.OutOfMemory");
    expect(payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
    expect(payload.trace).toBeUndefined();
    expect(log).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t.*Status: error\tError Type: Runtime\.OutOfMemory/);
    const used = Number(/Max Memory Used: (\d+) MB/.exec(log)![1]);
    expect(used).toBeGreaterThanOrEqual(128);

    // A fresh environment: the Buffers went with the old one.
    expect((await invoke("hungry")).payload).toEqual({ kept: 0 });
    await healthy();
  });
});

describe("payload limits", () => {
  it("answers a response over 6 MB with Function.ResponseSizeTooLarge", async () => {
    await create("big-answer", `export const handler = async (event) => "x".repeat(event.bytes);\n`);
    const { out, payload } = await invoke("big-answer", { bytes: 7 * 1024 * 1024 });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    expect(payload).toEqual({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    });
    // Just under the limit still answers (the JSON string's quotes count).
    const fits = await invoke("big-answer", { bytes: 6291556 - 2 });
    expect(fits.out.FunctionError).toBeUndefined();
    expect((fits.payload as string).length).toBe(6291556 - 2);
  });

  it("refuses a request over 6 MB with RequestEntityTooLargeException (413)", async () => {
    await create("echo-size", `export const handler = async (event) => JSON.stringify(event).length;\n`);
    const big = JSON.stringify({ data: "x".repeat(7 * 1024 * 1024) });
    expect(await refusal(client.send(new InvokeCommand({ FunctionName: "echo-size", Payload: Buffer.from(big) })))).toEqual({
      status: 413,
      name: "RequestEntityTooLargeException",
      message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    });
    await healthy();
    expect((await invoke("echo-size", { a: 1 })).payload).toBe(7);
  });

  it("refuses an Event invocation over 1 MB, as AWS words it", async () => {
    const event = Buffer.from(JSON.stringify({ data: "x".repeat(1024 * 1024) }));
    expect(await refusal(client.send(new InvokeCommand({ FunctionName: "echo-size", InvocationType: "Event", Payload: event })))).toEqual({
      status: 413,
      name: "RequestEntityTooLargeException",
      message: `${event.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
    });
    const small = await client.send(new InvokeCommand({ FunctionName: "echo-size", InvocationType: "Event", Payload: Buffer.from("{}") }));
    expect(small.StatusCode).toBe(202);
    await lambdaService(stack).drain();
  });
});

describe("a log flood", () => {
  it("times out as any other invocation; the server prints a bounded part of it and says so", async () => {
    await create(
      "flood",
      `export const handler = async () => { const line = "y".repeat(1000); for (;;) console.log(line); };\n`,
      { Timeout: 1 },
    );
    const before = logger.lines.length;
    const { out, payload, log } = await invoke("flood");
    expect(out.FunctionError).toBe("Unhandled");
    expect(payload.errorType).toBe("Sandbox.Timedout");
    expect(payload.errorMessage).toMatch(/Error: Task timed out after 1\.00 seconds$/);
    // The tail AWS returns: the last 4 KB, ending with the timeout, the marker and the report.
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
    expect(log).toContain("Task timed out after 1.00 seconds");
    expect(log).toMatch(/\tWARN\t\[rekognito\] log truncated: \d+ bytes of output not shown\n/);
    expect(log).toMatch(/REPORT RequestId: .*Status: timeout\n$/);

    const printed = logger.lines.slice(before).filter((l) => l.startsWith("[flood "));
    const printedBytes = printed.reduce((n, l) => n + Buffer.byteLength(l), 0);
    expect(printedBytes).toBeLessThan(PRINTED_LOG_BYTES + 4096);
    expect(printed.some((l) => /log truncated: \d+ bytes of output not shown \(at most 16384 bytes are printed per invocation\)/.test(l))).toBe(true);
    await healthy();
  });
});

describe("a handler cannot end the server", () => {
  const KILLER = `let calls = 0;
export const handler = async (event) => {
  calls++;
  if (event.do === "kill-self") process.kill(process.pid);
  if (event.do === "kill-self-9") process.kill(process.pid, "SIGKILL");
  if (event.do === "kill-parent") process.kill(process.ppid, "SIGKILL");
  if (event.do === "kill-parent-term") process.kill(process.ppid);
  if (event.do === "kill-group") process.kill(0, "SIGKILL");
  if (event.do === "abort") process.abort();
  if (event.do === "exit") process.exit(2);
  // Had a kill above not ended the environment, the invocation would never answer.
  if (event.do) await new Promise(() => {});
  return { calls, pid: process.pid };
};\n`;

  const cases: [string, string][] = [
    ["kill-self", "Runtime exited with error: signal: terminated"],
    ["kill-self-9", "Runtime exited with error: signal: killed"],
    ["kill-parent", "Runtime exited with error: signal: killed"],
    ["kill-parent-term", "Runtime exited with error: signal: terminated"],
    ["kill-group", "Runtime exited with error: signal: killed"],
    ["abort", "Runtime exited with error: signal: aborted"],
    ["exit", "Runtime exited with error: exit status 2"],
  ];

  it.each(cases)("%s: the invocation fails as AWS words it and the server keeps answering", async (action, reason) => {
    await create(`killer-${action}`, KILLER);
    const { out, payload, log } = await invoke(`killer-${action}`, { do: action });
    expect(out.FunctionError).toBe("Unhandled");
    expect(payload.errorType).toBe("Runtime.ExitError");
    expect(payload.errorMessage).toMatch(new RegExp(`^RequestId: [0-9a-f-]{36} Error: ${reason.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    expect(log).toMatch(/Status: error\tError Type: Runtime\.ExitError/);
    await healthy();
    // A new environment, not the server's process.
    const next = await invoke(`killer-${action}`, {});
    expect(next.payload.calls).toBe(1);
    expect(next.payload.pid).not.toBe(process.pid);
  });
});

describe("zip bombs", () => {
  /** One megabyte of zeros, deflated and full-flushed: a self-contained piece to repeat. */
  const MEGABYTE = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  const END = deflateRawSync(Buffer.alloc(0));
  const zeros = (megabytes: number) => Buffer.concat([...Array<Buffer>(megabytes).fill(MEGABYTE), END]);

  interface Entry {
    name: string;
    /** Raw DEFLATE data. */
    deflated: Buffer;
    /** The size the central directory declares. */
    declared: number;
  }

  /** A zip written by hand, so that it can declare what it likes. */
  function zip(entries: Entry[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const entry of entries) {
      const name = Buffer.from(entry.name);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(entry.deflated.length, 18);
      local.writeUInt32LE(entry.declared, 22);
      local.writeUInt16LE(name.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      central.writeUInt16LE(8, 10);
      central.writeUInt32LE(entry.deflated.length, 20);
      central.writeUInt32LE(entry.declared, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(offset, 42);
      locals.push(local, name, entry.deflated);
      centrals.push(central, name);
      offset += local.length + name.length + entry.deflated.length;
    }
    const directory = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, directory, end]);
  }

  const HANDLER = `export const handler = async () => "defused";\n`;
  const handlerEntry = (): Entry => {
    const text = Buffer.from(HANDLER);
    return { name: "index.mjs", deflated: deflateRawSync(text), declared: text.length };
  };

  const deploy = (name: string, entries: Entry[]) =>
    client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip(entries) } }));

  it("refuses a 3 MB zip that inflates to 3 GB by its declared size, before inflating it", async () => {
    const entries = [handlerEntry(), { name: "zeros.bin", deflated: zeros(3000), declared: 3000 * 1024 * 1024 }];
    expect(zip(entries).length).toBeLessThan(4 * 1024 * 1024);
    const error = await deploy("bomb", entries).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).toBe("Unzipped size must be smaller than 262144000 bytes");
  });

  it("refuses one whose entries add up past 250 MB, each of them small enough", async () => {
    const entries = [handlerEntry(), ...[1, 2, 3].map((i) => ({ name: `part${i}.bin`, deflated: zeros(100), declared: 100 * 1024 * 1024 }))];
    const error = await deploy("bomb", entries).catch((e) => e);
    expect(error.message).toBe("Unzipped size must be smaller than 262144000 bytes");
  });

  it("refuses one that lies about its size as soon as it inflates past what it declared", async () => {
    const error = await deploy("bomb", [handlerEntry(), { name: "zeros.bin", deflated: zeros(3000), declared: 1000 }]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).toBe("Could not unzip uploaded file. Please check your file, then try to upload again.");
    await healthy();
  });

  it("refuses a directly uploaded package over 50 MB as the request AWS refuses (413)", async () => {
    // Stored, not deflated: 51 MB of zip, ~68 MB of base64 in the request.
    const stored = zipSync({ "index.mjs": strToU8(HANDLER), "blob.bin": [new Uint8Array(51 * 1024 * 1024), { level: 0 }] });
    const refused = await refusal(
      client.send(new CreateFunctionCommand({ FunctionName: "too-big", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: stored } })),
    );
    expect(refused).toEqual({ status: 413, name: "RequestEntityTooLargeException", message: "Request must be smaller than 69905067 bytes for the CreateFunction operation" });
    await healthy();
  });

  it("accepts an honest package of the same make, and runs it", async () => {
    await deploy("bomb", [handlerEntry(), { name: "data/zeros.bin", deflated: zeros(20), declared: 20 * 1024 * 1024 }]);
    expect((await invoke("bomb")).payload).toBe("defused");
  });
});

describe("waiting for an environment", () => {
  it("queues for a busy environment rather than start one whose init outlasts the queue", async () => {
    await create("quick", `const id = Math.random().toString(36).slice(2);\nexport const handler = async () => id;\n`);
    const first = (await invoke("quick")).payload;
    const all = await Promise.all(Array.from({ length: 10 }, () => invoke("quick")));
    // Ten runs of a millisecond each drain long before another environment could load.
    expect(all.map((r) => r.payload)).toEqual(Array(10).fill(first));
    expect(lambdaService(stack).backend.runner.stats()["quick"]).toMatchObject({ environments: 1 });
  });

  it("starts more environments when the queue would outlast an init", async () => {
    await create(
      "slow",
      `const id = Math.random().toString(36).slice(2);\nexport const handler = async () => { await new Promise((r) => setTimeout(r, 600)); return id; };\n`,
    );
    await invoke("slow");
    // Four waiting on a 600 ms function: 1.8 s to drain through one environment, more than
    // loading another (a plain JavaScript handler loads in about 0.1 s).
    const ids = new Set((await Promise.all(Array.from({ length: 4 }, () => invoke("slow")))).map((r) => r.payload));
    expect(ids.size).toBeGreaterThan(1);
    expect(lambdaService(stack).backend.runner.stats()["slow"]!.environments).toBeGreaterThan(1);
  });

  it("starts none for such a queue while the machine's cores are all busy with the stack's own work", async () => {
    // The machine's load as the runner reads it, set here: another environment's init would only
    // take CPU from the invocations running (16 concurrent face sign-ins on 2 cores started a
    // fourth environment that bought no sign-ins a second).
    let saturated = true;
    const cpu = { supported: true, read: () => (saturated ? { idle: 0.02, cores: 2, own: 0.9, ownCpuMs: 450, overMs: 250 } : { idle: 0.9, cores: 2, own: 0.05, ownCpuMs: 25, overMs: 250 }) };
    const busy = await startStack({ lambda: { cpu } });
    const to = lambdaClient(busy);
    try {
      await create("slow", `const id = Math.random().toString(36).slice(2);\nexport const handler = async () => { await new Promise((r) => setTimeout(r, 400)); return id; };\n`, {}, to);
      await invoke("slow", {}, to);
      const batch = async () => new Set((await Promise.all(Array.from({ length: 4 }, () => invoke("slow", {}, to)))).map((r) => r.payload));
      // Three waiting 1.2 s behind a 400 ms run, where an init takes ~0.1 s: all in the one environment.
      expect((await batch()).size).toBe(1);
      expect(lambdaService(busy).backend.runner.stats()["slow"]!.environments).toBe(1);
      saturated = false;
      expect((await batch()).size).toBeGreaterThan(1);
      expect(lambdaService(busy).backend.runner.stats()["slow"]!.environments).toBeGreaterThan(1);
    } finally {
      to.destroy();
      await busy.close();
    }
  });
});

describe("timeouts count from the call", () => {
  const timers = new ManualTimers();
  let manual: Stack;
  let lambda: LambdaClient;
  let cognito: CognitoIdentityProviderClient;
  let clientId: string;

  beforeAll(async () => {
    manual = await startStack({ lambda: { timers } });
    lambda = lambdaClient(manual);
    cognito = new CognitoIdentityProviderClient({ endpoint: manual.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    // Timeout 5, as the template's triggers: Cognito's 5 s and the function's end together, and
    // Cognito's wins, as on AWS.
    const hang = await create("hang", `export const handler = async () => { await new Promise(() => {}); };\n`, { Timeout: 5 }, lambda);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "hanging", UsernameAttributes: ["email"], LambdaConfig: { PreSignUp: hang.FunctionArn } }));
    const app = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id!, ClientName: "app" }));
    clientId = app.UserPoolClient!.ClientId!;
  });

  afterAll(async () => {
    lambda?.destroy();
    cognito?.destroy();
    await manual?.close();
  });

  const signUp = (i: number) =>
    cognito.send(new SignUpCommand({ ClientId: clientId, Username: `user${i}@example.com`, Password: "Passw0rd!Passw0rd" })).then(
      () => "signed up",
      (e: { name: string; message: string }) => `${e.name}: ${e.message}`,
    );

  /** Resolves once the runner holds `n` invocations of `fn` (running or waiting), `running` of them running. */
  async function holding(fn: string, n: number, running = 0): Promise<void> {
    for (;;) {
      const s = lambdaService(manual).backend.runner.stats()[fn];
      const busy = lambdaService(manual).backend.runner.environments().filter((e) => e.spec.functionName === fn && e.state === "busy").length;
      if (s && s.busy + s.waiting >= n && busy >= running) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  it("fails each of 8 concurrent sign-ups on a hanging PreSignUp after its own 5 seconds, queued ones included", async () => {
    const socketTimeout = "UnexpectedLambdaException: PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.";
    // Four sign-ups: one runs (and hangs), three wait for an environment...
    const first = [0, 1, 2, 3].map(signUp);
    await holding("hang", 4, 1);
    timers.advance(3000);
    // ...and four more, three seconds later, wait behind them.
    const second = [4, 5, 6, 7].map(signUp);
    await holding("hang", 8);

    timers.advance(2000);
    expect(await Promise.all(first)).toEqual(Array(4).fill(socketTimeout));
    // The queued four started waiting three seconds later: they still wait.
    const waiting = lambdaService(manual).backend.runner.stats()["hang"]!;
    expect(waiting.busy + waiting.waiting).toBe(4);

    timers.advance(3000);
    expect(await Promise.all(second)).toEqual(Array(4).fill(socketTimeout));
  });

  it("reports the function's own timeout, shorter than Cognito's, as the function's error", async () => {
    const short = await create("hang-1s", `export const handler = async () => { await new Promise(() => {}); };\n`, { Timeout: 1 }, lambda);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "short", UsernameAttributes: ["email"], LambdaConfig: { PreSignUp: short.FunctionArn } }));
    const app = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id!, ClientName: "app" }));
    const attempt = cognito
      .send(new SignUpCommand({ ClientId: app.UserPoolClient!.ClientId!, Username: "short@example.com", Password: "Passw0rd!Passw0rd" }))
      .catch((e: { name: string; message: string }) => e);
    await holding("hang-1s", 1);
    // Let the environment finish its init: the function's clock runs from there.
    for (;;) {
      if (lambdaService(manual).backend.runner.environments().some((e) => e.spec.functionName === "hang-1s" && e.state === "busy")) break;
      await new Promise((r) => setImmediate(r));
    }
    timers.advance(1000);
    const error = (await attempt) as { name: string; message: string };
    expect(error.name).toBe("UserLambdaValidationException");
    expect(error.message).toMatch(/^PreSignUp failed with error RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds\.$/);
  });
});

