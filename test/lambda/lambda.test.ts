import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  RemovePermissionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  InvalidParameterValueException,
  InvalidRequestContentException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateFunctionCommandInput,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import type { Stack } from "../../server/stack.js";
import { signedHeaders } from "../support/sign.js";
import { external, inProcessOnly, runId, testTarget, type TestTarget } from "../support/target.js";
import { lambdaClient, lambdaService, payloadOf, ROLE, zipOf } from "./helpers.js";

// In-process by default; with REKOGNITO_TEST_ENDPOINT (or in the "against-cli" project) the same
// tests drive an already-running stack, and those needing the stack's internals, its logger or
// files its functions write on its disk skip.
let target: TestTarget;
/** The in-process stack: only used by tests declared inProcessOnly (or guarded by `if (stack)`). */
let stack: Stack;
let client: LambdaClient;
let scratch: string;
const logger = new MemoryLogger();
/** A function or bucket name unique to this run, so a long-running stack's own never collide. */
const fn = (name: string) => `${name}-${runId}`;
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${fn(name)}`;

beforeAll(async () => {
  target = await testTarget({ logger });
  stack = target.stack!;
  client = lambdaClient(target);
  scratch = mkdtempSync(join(tmpdir(), "rekognito-lambda-test-"));
});

afterAll(async () => {
  client?.destroy();
  await target?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Creates a function `fn(name)` from in-memory sources (handler index.handler, nodejs20.x by default). */
async function create(name: string, files: Record<string, string>, extra: Partial<CreateFunctionCommandInput> = {}) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: fn(name),
      Runtime: "nodejs20.x",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zipOf(files) },
      ...extra,
    }),
  );
}

/** Invokes `fn(name)`, or an ARN as given. */
async function invoke(name: string, event: unknown = {}) {
  const out = await client.send(new InvokeCommand({ FunctionName: name.startsWith("arn:") ? name : fn(name), Payload: JSON.stringify(event) }));
  return { out, payload: payloadOf(out) as any };
}

const ECHO = `export const handler = async (event) => ({ echo: event });\n`;

describe("functions from a zip", () => {
  it("creates a function with AWS's configuration and runs it", async () => {
    const zip = zipOf({ "index.mjs": ECHO });
    const created = await client.send(
      new CreateFunctionCommand({ FunctionName: fn("echo"), Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip } }),
    );
    expect(created.FunctionArn).toBe(ARN("echo"));
    expect(created.CodeSha256).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(created.CodeSize).toBe(zip.length);
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(created).toMatchObject({
      Version: "$LATEST",
      State: "Active",
      PackageType: "Zip",
      Architectures: ["x86_64"],
      Timeout: 3,
      MemorySize: 128,
      Runtime: "nodejs20.x",
      Handler: "index.handler",
    });

    const got = await client.send(new GetFunctionCommand({ FunctionName: fn("echo") }));
    expect(got.Configuration?.CodeSha256).toBe(created.CodeSha256);
    const download = await fetch(got.Code!.Location!);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(Buffer.from(zip));

    const list = await client.send(new ListFunctionsCommand({}));
    expect(list.Functions?.map((f) => f.FunctionName)).toContain(fn("echo"));
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListFunctionsCommand({ MaxItems: 1, Marker: marker }));
      expect(page.Functions!.length).toBeLessThanOrEqual(1);
      names.push(...page.Functions!.map((f) => f.FunctionName!));
      marker = page.NextMarker;
    } while (marker);
    // A shared stack may gain functions between the listings (other suites create theirs).
    if (external) expect(new Set(names).size).toBe(names.length);
    else expect(names).toEqual(list.Functions!.map((f) => f.FunctionName));

    const { out, payload } = await invoke("echo", { a: 1 });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe("$LATEST");
    expect(payload).toEqual({ echo: { a: 1 } });

    const byArn = await invoke(created.FunctionArn!, { b: 2 });
    expect(byArn.payload).toEqual({ echo: { b: 2 } });
  });

  it("runs a TypeScript handler that imports another TypeScript file", async () => {
    await create(
      "typed",
      {
        "src/app.ts": `import { greet } from "./greet.js";\ninterface Event { name: string }\nexport const handler = async (event: Event): Promise<{ message: string }> => ({ message: greet(event.name) });\n`,
        "src/greet.ts": `export function greet(name: string): string { return \`hello \${name}\`; }\n`,
      },
      { Handler: "src/app.handler" },
    );
    const { payload } = await invoke("typed", { name: "ada" });
    expect(payload).toEqual({ message: "hello ada" });
  });

  it("runs a CommonJS callback-style handler", async () => {
    await create("callback", {
      "index.js": `exports.handler = function (event, context, callback) {\n  if (event.fail) return callback(new Error("callback failed"));\n  setTimeout(() => callback(null, { ok: event.n + 1 }), 1);\n};\n`,
    });
    expect((await invoke("callback", { n: 41 })).payload).toEqual({ ok: 42 });
    const failed = await invoke("callback", { fail: true });
    expect(failed.out.FunctionError).toBe("Unhandled");
    expect(failed.payload).toMatchObject({ errorType: "Error", errorMessage: "callback failed" });
  });

  it("gives the handler a real context", async () => {
    await create(
      "context",
      {
        "index.mjs": `export const handler = async (event, context) => ({
  awsRequestId: context.awsRequestId, functionName: context.functionName, functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
  logGroupName: context.logGroupName, logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
  streamEnv: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
});\n`,
      },
      { MemorySize: 256, Timeout: 7 },
    );
    const { payload } = await invoke("context");
    expect(payload).toMatchObject({
      functionName: fn("context"),
      functionVersion: "$LATEST",
      invokedFunctionArn: ARN("context"),
      memoryLimitInMB: "256",
      logGroupName: `/aws/lambda/${fn("context")}`,
      waits: true,
    });
    expect(payload.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(payload.streamEnv).toBe(payload.logStreamName);
    expect(payload.remaining).toBeGreaterThan(6000);
    expect(payload.remaining).toBeLessThanOrEqual(7000);
  });
});

describe("global.gc, as AWS's bootstrap exposes it (node --expose-gc)", () => {
  it("is there for a handler to call, on every Node the server runs on", async () => {
    await create("gc", {
      "index.mjs": `let garbage = Array.from({ length: 200000 }, (_, i) => ({ i }));
export const handler = async () => {
  const seen = { type: typeof globalThis.gc, enumerable: Object.keys(globalThis).includes("gc") };
  garbage = null;
  const before = process.memoryUsage().heapUsed;
  gc();
  return { ...seen, freed: before - process.memoryUsage().heapUsed };
};\n`,
    });
    const { payload } = await invoke("gc");
    expect(payload).toMatchObject({ type: "function", enumerable: true });
    // 200,000 small objects are several MB of heap, given back by the collection the handler asked for.
    expect(payload.freed).toBeGreaterThan(2_000_000);
  });
});

describe("environment", () => {
  const ENV_HANDLER = `export const handler = async (event) => {
  if (event.set) process.env.SHARED = event.set;
  const keys = ["SHARED", "ONLY_A", "ONLY_B", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_EXECUTION_ENV", "TZ",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"];
  return Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]));
};\n`;

  it("gives each function its own process.env with AWS's variables", async () => {
    await create("env-a", { "index.mjs": ENV_HANDLER }, { Environment: { Variables: { SHARED: "a", ONLY_A: "1" } } });
    await create(
      "env-b",
      { "index.mjs": ENV_HANDLER },
      { Environment: { Variables: { SHARED: "b", ONLY_B: "2", AWS_ENDPOINT_URL: "http://elsewhere:1", AWS_ENDPOINT_URL_S3: "http://s3:2" } } },
    );
    const a = (await invoke("env-a", { set: "changed-by-a" })).payload;
    const b = (await invoke("env-b")).payload;
    expect(a).toMatchObject({
      SHARED: "changed-by-a",
      ONLY_A: "1",
      ONLY_B: null,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: fn("env-a"),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn("env-a")}`,
      _HANDLER: "index.handler",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
      TZ: ":UTC",
    });
    // The stack's own idea of its endpoint (behind Compose's port mapping it may differ from ours).
    if (stack) expect(a.AWS_ENDPOINT_URL).toBe(stack.endpoint);
    else expect(a.AWS_ENDPOINT_URL).toMatch(/^https?:\/\//);
    expect(a.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(a.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(a.AWS_SESSION_TOKEN).toBeTruthy();
    // The task root is on the stack's disk, which is ours only in-process.
    if (stack) expect(existsSync(join(a.LAMBDA_TASK_ROOT, "index.mjs"))).toBe(true);
    // b is untouched by a's change, and its own endpoint settings win.
    expect(b).toMatchObject({ SHARED: "b", ONLY_A: null, ONLY_B: "2", AWS_ENDPOINT_URL: "http://elsewhere:1", AWS_ENDPOINT_URL_S3: "http://s3:2" });
    // Neither leaks into the server's own environment.
    expect(process.env["ONLY_A"]).toBeUndefined();
    expect(process.env["SHARED"]).toBeUndefined();
  });

  it("refuses AWS's reserved variable names", async () => {
    const err = await create("reserved", { "index.mjs": ECHO }, { Environment: { Variables: { AWS_REGION: "eu-west-1" } } }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect(err.message).toContain("Reserved keys used in this request: AWS_REGION");
  });
});

describe("function errors", () => {
  it("returns a thrown error as AWS's error payload", async () => {
    await create("thrower", {
      "index.mjs": `class CustomError extends Error { constructor(m) { super(m); this.name = "CustomError"; } }\nexport const handler = async (event) => { if (event.type) throw new TypeError("wrong type"); throw new CustomError("it broke"); };\n`,
    });
    const { out, payload } = await invoke("thrower");
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    expect(payload.errorType).toBe("CustomError");
    expect(payload.errorMessage).toBe("it broke");
    expect(Array.isArray(payload.trace)).toBe(true);
    expect(payload.trace[0]).toBe("CustomError: it broke");
    expect((await invoke("thrower", { type: true })).payload).toMatchObject({ errorType: "TypeError", errorMessage: "wrong type" });

    if (!stack) return; // the rest drives the runner's in-process API
    const result = await lambdaService(stack).invoke(fn("thrower"), {});
    expect(result).toMatchObject({ ok: false, functionError: "Handled", errorType: "CustomError", errorMessage: "it broke", timedOut: false });
  });

  it("contains process.exit, unhandled rejections and uncaught exceptions; the server keeps answering", async () => {
    await create("crasher", {
      "index.mjs": `let calls = 0;
export const handler = async (event) => {
  calls++;
  if (event.do === "exit") process.exit(3);
  if (event.do === "exit0") process.exit(0);
  if (event.do === "reject") { Promise.reject(new Error("nobody catches me")); await new Promise((r) => setTimeout(r, 1000)); }
  if (event.do === "uncaught") { setTimeout(() => { throw new RangeError("thrown later"); }, 0); await new Promise((r) => setTimeout(r, 1000)); }
  return { calls };
};\n`,
    });
    expect((await invoke("crasher")).payload).toEqual({ calls: 1 });
    expect((await invoke("crasher")).payload).toEqual({ calls: 2 });

    const exit = await invoke("crasher", { do: "exit" });
    expect(exit.out.FunctionError).toBe("Unhandled");
    expect(exit.payload.errorType).toBe("Runtime.ExitError");
    expect(exit.payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/);
    // A new execution environment: module state starts again.
    expect((await invoke("crasher")).payload).toEqual({ calls: 1 });

    const exit0 = await invoke("crasher", { do: "exit0" });
    expect(exit0.payload.errorMessage).toContain("Runtime exited without providing a reason");

    const rejected = await invoke("crasher", { do: "reject" });
    expect(rejected.out.FunctionError).toBe("Unhandled");
    expect(rejected.payload).toMatchObject({ errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: nobody catches me" });

    const uncaught = await invoke("crasher", { do: "uncaught" });
    expect(uncaught.out.FunctionError).toBe("Unhandled");
    expect(uncaught.payload).toMatchObject({ errorType: "RangeError", errorMessage: "thrown later" });

    expect((await invoke("crasher")).payload).toEqual({ calls: 1 });
    const health = await fetch(`${target.endpoint}/_rekognito/health`);
    expect(health.status).toBe(200);
  });

  it("reports a missing module or export as AWS's runtime errors", async () => {
    await create("no-module", { "other.mjs": ECHO });
    const missing = await invoke("no-module");
    expect(missing.out.FunctionError).toBe("Unhandled");
    expect(missing.payload).toMatchObject({ errorType: "Runtime.ImportModuleError", errorMessage: "Error: Cannot find module 'index'" });

    await create("no-export", { "index.mjs": ECHO }, { Handler: "index.main" });
    const noExport = await invoke("no-export");
    expect(noExport.payload).toMatchObject({ errorType: "Runtime.HandlerNotFound", errorMessage: "index.main is undefined or not exported" });
  });

  inProcessOnly("drives the runner's in-process API with a 100 ms timeout")("kills a function that runs past its timeout and replaces its execution environment; a caller may stop waiting sooner", async () => {
    await create("sleeper", {
      "index.mjs": `let calls = 0;\nexport const handler = async (event) => { calls++; if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); return { calls }; };\n`,
    });
    const backend = lambdaService(stack).backend;
    const sleeper = backend.require(fn("sleeper"));
    expect(JSON.parse(((await backend.run(sleeper, "{}")) as { payload: string }).payload)).toEqual({ calls: 1 });
    // Its own timeout (lowered to 100 ms) ends the invocation and the environment with it.
    const result = await backend.run(sleeper, JSON.stringify({ hang: true }), { timeoutMs: 100 });
    expect(result).toMatchObject({ ok: false, functionError: "Unhandled", errorType: "Sandbox.Timedout", timedOut: "function" });
    if (!result.ok) expect(result.errorMessage).toBe(`RequestId: ${result.requestId} Error: Task timed out after 0.10 seconds`);
    expect(JSON.parse(((await backend.run(sleeper, "{}")) as { payload: string }).payload)).toEqual({ calls: 1 });

    // A caller that stops waiting (Cognito after 5 s, here 100 ms) is told so; the function is not
    // stopped for it (on AWS it runs on, up to its own Timeout).
    const lambda = lambdaService(stack);
    const gaveUp = await lambda.invoke(fn("sleeper"), { hang: true }, { timeoutMs: 100 });
    expect(gaveUp).toMatchObject({ ok: false, errorType: "Sandbox.Timedout", timedOut: true });
    expect(backend.runner.stats()[fn("sleeper")]).toMatchObject({ busy: 1 });
  });

  inProcessOnly("drives the runner's in-process API with a 100 ms timeout")("does not count loading the code (the init phase) against the function's timeout", async () => {
    await create("slow-init", {
      "index.mjs": `await new Promise((r) => setTimeout(r, 150));\nexport const handler = async (event, context) => ({ remaining: context.getRemainingTimeInMillis() });\n`,
    });
    const backend = lambdaService(stack).backend;
    const result = await backend.run(backend.require(fn("slow-init")), "{}", { timeoutMs: 100 });
    expect(result).toMatchObject({ ok: true });
    // Had the 150 ms init counted, the 100 ms budget would be spent and the call timed out.
    if (result.ok) expect((JSON.parse(result.payload) as { remaining: number }).remaining).toBeGreaterThan(0);
  });
});

describe("invocation types and logs", () => {
  inProcessOnly("waits for the runner to drain and reads the file the function wrote on the stack's disk")("runs an Event invocation in the background (202)", async () => {
    const marker = join(scratch, "event.json");
    await create("writer", {
      "index.mjs": `import { writeFileSync } from "node:fs";\nexport const handler = async (event) => { writeFileSync(event.path, JSON.stringify(event)); };\n`,
    });
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn("writer"), InvocationType: "Event", Payload: JSON.stringify({ path: marker, n: 7 }) }),
    );
    expect(out.StatusCode).toBe(202);
    await lambdaService(stack).drain();
    expect(JSON.parse(readFileSync(marker, "utf8"))).toEqual({ path: marker, n: 7 });

    const dry = await client.send(new InvokeCommand({ FunctionName: fn("writer"), InvocationType: "DryRun" }));
    expect(dry.StatusCode).toBe(204);
  });

  it("returns the log tail with LogType Tail and logs handler output tagged with the request id", async () => {
    await create("talker", {
      "index.mjs": `export const handler = async (event, context) => { console.log("hello", { n: 1 }); console.error("oops"); process.stdout.write("raw line\\n"); return context.awsRequestId; };\n`,
    });
    const out = await client.send(new InvokeCommand({ FunctionName: fn("talker"), LogType: "Tail" }));
    const requestId = payloadOf(out) as string;
    const log = Buffer.from(out.LogResult!, "base64").toString("utf8");
    expect(log).toContain(`START RequestId: ${requestId} Version: $LATEST`);
    expect(log).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${requestId}\\tINFO\\thello { n: 1 }`));
    expect(log).toContain(`\tERROR\toops`);
    expect(log).toContain(`END RequestId: ${requestId}`);
    expect(log).toMatch(new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB`));
    if (!stack) return; // the server's own log is only ours in-process
    expect(logger.lines).toContain(`[${fn("talker")} ${requestId}] hello { n: 1 }`);
    expect(logger.lines).toContain(`[${fn("talker")} ${requestId}] oops`);
  });

  it("runs many concurrent invocations on a small pool of warm execution environments", async () => {
    await create("busy", {
      "index.mjs": `export const handler = async (event) => { await new Promise((r) => setTimeout(r, 20)); return event.i; };\n`,
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => invoke("busy", { i })));
    expect(results.map((r) => r.payload)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const health = (await (await fetch(`${target.endpoint}/_rekognito/health`)).json()) as any;
    expect(health.services.lambda.environments[fn("busy")].environments).toBeLessThanOrEqual(4);
  });
});

describe("updates", () => {
  it("applies new code and configuration to the next invocation", async () => {
    await create("changing", { "index.mjs": `export const handler = async () => ({ v: 1, env: process.env.COLOUR ?? null });\n` });
    expect((await invoke("changing")).payload).toEqual({ v: 1, env: null });

    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: fn("changing"), Environment: { Variables: { COLOUR: "blue" } }, Timeout: 10, MemorySize: 512 }),
    );
    expect(updated).toMatchObject({ Timeout: 10, MemorySize: 512, Environment: { Variables: { COLOUR: "blue" } } });
    expect((await invoke("changing")).payload).toEqual({ v: 1, env: "blue" });

    const zip = zipOf({ "index.mjs": `export const handler = async () => ({ v: 2 });\nexport const other = async () => "other";\n` });
    const code = await client.send(new UpdateFunctionCodeCommand({ FunctionName: fn("changing"), ZipFile: zip }));
    expect(code.CodeSha256).toBe(createHash("sha256").update(zip).digest("base64"));
    expect((await invoke("changing")).payload).toEqual({ v: 2 });

    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn("changing"), Handler: "index.other" }));
    expect((await invoke("changing")).payload).toBe("other");
  });

  inProcessOnly("the function's directory must be on the stack's disk")("runs a local directory in place and picks up edits (hot reload)", async () => {
    const dir = mkdtempSync(join(scratch, "fn-"));
    writeFileSync(join(dir, "handler.ts"), `export const handler = async (): Promise<string> => "first";\n`);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: fn("local-dir"),
        Runtime: "nodejs22.x",
        Role: ROLE,
        Handler: "handler.handler",
        Code: { S3Bucket: "hot-reload", S3Key: dir },
      }),
    );
    expect((await invoke("local-dir")).payload).toBe("first");
    writeFileSync(join(dir, "handler.ts"), `export const handler = async (): Promise<string> => "second version";\n`);
    expect((await invoke("local-dir")).payload).toBe("second version");

    const bad = await client
      .send(new CreateFunctionCommand({ FunctionName: fn("local-missing"), Runtime: "nodejs22.x", Role: ROLE, Handler: "a.b", Code: { S3Bucket: "hot-reload", S3Key: join(dir, "nope") } }))
      .catch((e) => e);
    expect(bad).toBeInstanceOf(InvalidParameterValueException);
  });

  it("deletes a function", async () => {
    await create("short-lived", { "index.mjs": ECHO });
    await client.send(new DeleteFunctionCommand({ FunctionName: fn("short-lived") }));
    const err = await invoke("short-lived").catch((e) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    if (stack) expect(lambdaService(stack).exists(fn("short-lived"))).toBe(false);
  });
});

describe("API errors", () => {
  it("answers AWS's typed errors", async () => {
    const notFound = await client.send(new GetFunctionCommand({ FunctionName: fn("missing") })).catch((e) => e);
    expect(notFound).toBeInstanceOf(ResourceNotFoundException);
    expect(notFound.message).toBe(`Function not found: ${ARN("missing")}`);
    expect(notFound.$metadata.httpStatusCode).toBe(404);
    if (stack) await expect(lambdaService(stack).invoke(fn("missing"), {})).rejects.toMatchObject({ type: "ResourceNotFoundException" });

    await create("exists", { "index.mjs": ECHO });
    const conflict = await create("exists", { "index.mjs": ECHO }).catch((e) => e);
    expect(conflict).toBeInstanceOf(ResourceConflictException);
    expect(conflict.message).toBe(`Function already exist: ${fn("exists")}`);
    expect(conflict.$metadata.httpStatusCode).toBe(409);

    const invalidName = await create("bad name!", { "index.mjs": ECHO }).catch((e) => e);
    expect(invalidName.name).toBe("ValidationException");
    expect(invalidName.message).toMatch(
      new RegExp(`^1 validation error detected: Value '${fn("bad name!")}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`),
    );
    expect(invalidName.$metadata.httpStatusCode).toBe(400);

    const badTimeout = await create("too-slow", { "index.mjs": ECHO }, { Timeout: 901 }).catch((e) => e);
    expect(badTimeout.name).toBe("ValidationException");

    const java = await create("java", { "index.py": "" }, { Runtime: "java21" }).catch((e) => e);
    expect(java).toBeInstanceOf(InvalidParameterValueException);
    expect(java.message).toContain("the runtime java21 is not supported");
    const retired = await create("py38", { "index.py": "" }, { Runtime: "python3.8" }).catch((e) => e);
    expect(retired.message).toBe(
      "The runtime parameter of python3.8 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.13) while creating or updating functions.",
    );

    const badZip = await client
      .send(new CreateFunctionCommand({ FunctionName: "bad-zip", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: Buffer.from("not a zip") } }))
      .catch((e) => e);
    expect(badZip).toBeInstanceOf(InvalidParameterValueException);
    expect(badZip.message).toBe("Could not unzip uploaded file. Please check your file, then try to upload again.");

    const noHandler = await create("no-handler", { "index.mjs": ECHO }, { Handler: undefined }).catch((e) => e);
    expect(noHandler).toBeInstanceOf(InvalidParameterValueException);

    const badPayload = await client.send(new InvokeCommand({ FunctionName: fn("exists"), Payload: Buffer.from("{not json") })).catch((e) => e);
    expect(badPayload).toBeInstanceOf(InvalidRequestContentException);

    const unimplemented = await client.send(new ListEventSourceMappingsCommand({ FunctionName: fn("exists") })).catch((e) => e);
    expect(unimplemented.name).toBe("NotImplementedException");
    expect(unimplemented.message).toContain("ListEventSourceMappings");
  });

  it("puts errors on the wire as AWS's REST-JSON does", async () => {
    const host = new URL(target.endpoint).host;
    const signed = (path: string) => signedHeaders("lambda", { method: "GET", path, headers: {}, host });
    const ghost = `/2015-03-31/functions/${fn("ghost")}`;
    const notFound = await fetch(`${target.endpoint}${ghost}`, { headers: await signed(ghost) });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
    expect(await notFound.json()).toEqual({ Type: "User", Message: `Function not found: ${ARN("ghost")}` });

    const unknown = await fetch(`${target.endpoint}/2015-03-31/nothing-here`, { headers: await signed("/2015-03-31/nothing-here") });
    expect(unknown.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });

  it("answers an unsigned request with MissingAuthenticationTokenException", async () => {
    const res = await fetch(`${target.endpoint}/2015-03-31/functions/`);
    expect(res.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
  });
});

describe("permissions", () => {
  it("stores AddPermission statements and returns them in GetPolicy", async () => {
    await create("guarded", { "index.mjs": ECHO });
    const added = await client.send(
      new AddPermissionCommand({
        FunctionName: fn("guarded"),
        StatementId: "s3-invoke",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: "arn:aws:s3:::uploads",
        SourceAccount: "000000000000",
      }),
    );
    expect(JSON.parse(added.Statement!)).toMatchObject({
      Sid: "s3-invoke",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "lambda:InvokeFunction",
      Resource: ARN("guarded"),
      Condition: { ArnLike: { "AWS:SourceArn": "arn:aws:s3:::uploads" } },
    });
    const again = await client
      .send(new AddPermissionCommand({ FunctionName: fn("guarded"), StatementId: "s3-invoke", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com" }))
      .catch((e) => e);
    expect(again).toBeInstanceOf(ResourceConflictException);
    const policy = await client.send(new GetPolicyCommand({ FunctionName: fn("guarded") }));
    expect(JSON.parse(policy.Policy!).Statement).toHaveLength(1);
    await client.send(new RemovePermissionCommand({ FunctionName: fn("guarded"), StatementId: "s3-invoke" }));
    await expect(client.send(new GetPolicyCommand({ FunctionName: fn("guarded") }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("S3 notifications", () => {
  inProcessOnly("emits on the stack's in-process event bus and reads the file the function wrote on its disk")("invokes the target function asynchronously with the S3 event", async () => {
    const marker = join(scratch, "s3-event.json");
    await create("on-upload", {
      "index.ts": `import type { S3Handler } from "aws-lambda";\nimport { writeFileSync } from "node:fs";\nexport const handler: S3Handler = async (event) => { writeFileSync(${JSON.stringify(marker)}, JSON.stringify(event)); };\n`,
    });
    const event: S3Event = {
      Records: [
        {
          eventVersion: "2.1",
          eventSource: "aws:s3",
          awsRegion: "us-east-1",
          eventTime: "2026-01-01T00:00:00.000Z",
          eventName: "ObjectCreated:Put",
          userIdentity: { principalId: "AWS:test" },
          requestParameters: { sourceIPAddress: "127.0.0.1" },
          responseElements: { "x-amz-request-id": "r", "x-amz-id-2": "i" },
          s3: {
            s3SchemaVersion: "1.0",
            configurationId: "index-faces",
            bucket: { name: "uploads", ownerIdentity: { principalId: "test" }, arn: "arn:aws:s3:::uploads" },
            object: { key: "documents/a.png", size: 3, eTag: "e", sequencer: "0" },
          },
        },
      ],
    };
    stack.app.core.events.emit("s3:notification", {
      targetArn: ARN("on-upload"),
      targetType: "lambda",
      configurationId: "index-faces",
      event,
    });
    await lambdaService(stack).drain();
    expect(JSON.parse(readFileSync(marker, "utf8"))).toEqual(event);
  });

  inProcessOnly("waits for the runner to drain and reads the file the function wrote on the stack's disk")("runs the function when an object is uploaded to a bucket that notifies it (embedded S3)", async () => {
    const marker = join(scratch, "s3-upload.json");
    const created = await create("index-upload", {
      "index.ts": `import type { S3Handler } from "aws-lambda";\nimport { writeFileSync } from "node:fs";\nexport const handler: S3Handler = async (event) => { writeFileSync(${JSON.stringify(marker)}, JSON.stringify(event)); };\n`,
    });
    await client.send(
      new AddPermissionCommand({
        FunctionName: fn("index-upload"),
        StatementId: "s3-uploads",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: `arn:aws:s3:::${fn("lambda-uploads")}`,
      }),
    );
    const s3 = new S3Client({ endpoint: stack.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: fn("lambda-uploads") }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: fn("lambda-uploads"),
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                Id: "index-faces",
                LambdaFunctionArn: created.FunctionArn!,
                Events: ["s3:ObjectCreated:*"],
                Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "documents/" }] } },
              },
            ],
          },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: fn("lambda-uploads"), Key: "documents/my photo.png", Body: "png" }));
      await lambdaService(stack).drain();
      const delivered = JSON.parse(readFileSync(marker, "utf8")) as S3Event;
      expect(delivered.Records).toHaveLength(1);
      expect(delivered.Records[0]).toMatchObject({
        eventSource: "aws:s3",
        eventName: "ObjectCreated:Put",
        s3: { configurationId: "index-faces", bucket: { name: fn("lambda-uploads") }, object: { key: "documents/my+photo.png", size: 3 } },
      });
    } finally {
      s3.destroy();
    }
  });
});

describe("the AWS SDK inside functions", () => {
  it("gives an ES module handler the SDK's packages as Node's import of them does", async () => {
    await create("sdk-namespace", {
      "index.mjs": [
        'import { createRequire } from "node:module";',
        'import * as ns from "@aws-sdk/client-dynamodb";',
        'import dynamodb, { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
        "const required = createRequire(import.meta.url)('@aws-sdk/client-dynamodb');",
        "export const handler = async () => ({",
        "  defaultIsExports: dynamodb === required && ns.default === required,",
        "  sameClient: DynamoDBClient === required.DynamoDBClient,",
        "  named: Object.keys(ns).filter((k) => k !== 'default').length,",
        // Node 23 and later also name the whole of module.exports "module.exports".
        "  foreign: Object.keys(ns).filter((k) => k !== 'default' && k !== 'module.exports' && !(k in required)),",
        "  url: import.meta.resolve('@aws-sdk/client-dynamodb'),",
        "});",
        "",
      ].join("\n"),
    });
    const { payload } = await invoke("sdk-namespace");
    expect(payload).toMatchObject({ defaultIsExports: true, sameClient: true, foreign: [] });
    // Every command and the client, as named exports.
    expect(payload.named).toBeGreaterThan(50);
    expect(payload.url).toMatch(/\/node_modules\/@aws-sdk\/client-dynamodb\/dist-cjs\/index\.js$/);
  });

  it("provides the AWS SDK v3 as AWS's runtimes do, pointed at the stack by AWS_ENDPOINT_URL", async () => {
    const s3 = new S3Client({ endpoint: target.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await s3.send(new CreateBucketCommand({ Bucket: fn("seen-from-lambda") }));
    s3.destroy();
    const source = (kind: string) =>
      `const client = new S3Client({ forcePathStyle: true });\n` +
      `const handler = async () => { const out = await client.send(new ListBucketsCommand({})); return { kind: "${kind}", buckets: out.Buckets.map((b) => b.Name) }; };\n`;
    await create("sdk-esm", { "index.mjs": `import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";\n${source("esm")}export { handler };\n` });
    await create("sdk-cjs", { "index.js": `const { S3Client, ListBucketsCommand } = require("@aws-sdk/client-s3");\n${source("cjs")}module.exports = { handler };\n` });
    const esm = (await invoke("sdk-esm")).payload;
    const cjs = (await invoke("sdk-cjs")).payload;
    expect(esm.kind).toBe("esm");
    expect(esm.buckets).toContain(fn("seen-from-lambda"));
    expect(cjs.kind).toBe("cjs");
    expect(cjs.buckets).toContain(fn("seen-from-lambda"));
  });
});
