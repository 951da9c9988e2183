// The Lambda runtime inside one worker thread: it loads the function's handler (TypeScript
// included, through tsx) on the first invocation, runs one invocation at a time, and tells the
// parent what the handler printed and answered.
//
// Plain JavaScript on purpose: on Node 20 a worker thread does not inherit the parent's module
// hooks (tsx), so this entry must load with bare Node. It registers tsx itself for the handler.
//
// Messages in:  { type: "invoke", requestId, payload (JSON text), timeoutMs, invokedFunctionArn, clientContext }
// Messages out: { type: "started", requestId }  (the handler is loaded; its timeout starts)
//               { type: "log", requestId, level, text }
//               { type: "result", requestId, payload (JSON text) }
//               { type: "error", requestId, errorType, errorMessage, trace, unhandled, fatal? }
//               (fatal: the worker is about to exit and must not be given another invocation)
import { existsSync, statSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import { parentPort, workerData } from "node:worker_threads";

// The AWS SDK v3 is part of AWS's Node.js runtimes: resolve it from rekognito when the
// function does not bundle it (ESM imports here, CommonJS requires through NODE_PATH).
register("./runtime-modules.mjs", import.meta.url);

const config = workerData;
const port = parentPort;
/** The invocation in progress (null between invocations). */
let current = null;

const post = (message) => port.postMessage(message);

for (const [method, level] of [
  ["log", "INFO"],
  ["info", "INFO"],
  ["warn", "WARN"],
  ["error", "ERROR"],
  ["debug", "DEBUG"],
  ["trace", "TRACE"],
]) {
  console[method] = (...args) => post({ type: "log", requestId: current, level, text: format(...args) });
}

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.errorType = type;
  }
}

function describe(error) {
  if (error instanceof Error) {
    return {
      errorType: error.errorType ?? error.name ?? "Error",
      errorMessage: error.message,
      trace: error.errorType ? [] : String(error.stack ?? "").split("\n"),
    };
  }
  if (error && typeof error === "object") {
    return { errorType: "object", errorMessage: safeJson(error) ?? String(error), trace: [] };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

let loaded = null;

async function loadHandler() {
  const spec = config.handler;
  const slash = spec.lastIndexOf("/");
  const folder = slash >= 0 ? spec.slice(0, slash + 1) : "";
  const rest = spec.slice(slash + 1);
  const dot = rest.indexOf(".");
  if (dot <= 0 || dot === rest.length - 1) {
    throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  }
  const moduleName = rest.slice(0, dot);
  const exportPath = rest.slice(dot + 1).split(".");
  const base = join(config.codeDir, folder + moduleName);
  const file = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"]
    .map((ext) => base + ext)
    .find((path) => existsSync(path) && statSync(path).isFile());
  if (!file) {
    throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'`);
  }
  const { tsImport } = await import("tsx/esm/api");
  let mod;
  try {
    mod = await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError("Runtime.UserCodeSyntaxError", `SyntaxError: ${error.message}`);
    throw error;
  }
  const pick = (root) => exportPath.reduce((value, key) => (value == null ? undefined : value[key]), root);
  let fn = pick(mod);
  if (typeof fn !== "function") fn = pick(mod?.default);
  if (typeof fn !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${rest} is undefined or not exported`);
  }
  return fn;
}

async function invoke(message) {
  const { requestId, timeoutMs } = message;
  current = requestId;
  let started = performance.now();
  let settled = false;
  const finish = (error, result) => {
    if (settled) return;
    settled = true;
    if (error !== null && error !== undefined) {
      post({ type: "error", requestId, ...describe(error), unhandled: false });
    } else {
      const text = result === undefined ? "null" : safeJson(result);
      if (text === undefined) {
        post({
          type: "error",
          requestId,
          errorType: "Runtime.MarshalError",
          errorMessage: "Unable to stringify response body",
          trace: [],
          unhandled: true,
        });
      } else post({ type: "result", requestId, payload: text });
    }
    current = null;
  };

  let handler;
  try {
    if (!loaded) loaded = loadHandler();
    handler = await loaded;
  } catch (error) {
    loaded = null;
    settled = true;
    post({ type: "error", requestId, ...describe(error), unhandled: true });
    current = null;
    return;
  }

  // The function's timeout runs from here: loading the code is the init phase, timed apart.
  started = performance.now();
  post({ type: "started", requestId });

  const context = {
    awsRequestId: requestId,
    functionName: config.functionName,
    functionVersion: config.functionVersion,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: String(config.memorySize),
    logGroupName: config.logGroupName,
    logStreamName: config.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    clientContext: message.clientContext,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(timeoutMs - (performance.now() - started))),
    done: (error, result) => finish(error, result),
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error ?? new Error("handled")),
  };
  const callback = (error, result) => finish(error, result);

  let event;
  try {
    event = JSON.parse(message.payload);
  } catch {
    event = {};
  }
  try {
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === "function") {
      returned.then(
        (result) => finish(null, result),
        (error) => finish(error ?? new Error("handled")),
      );
    }
    // Otherwise, as on AWS, the answer is whatever the handler passes to its callback.
  } catch (error) {
    finish(error);
  }
}

process.on("unhandledRejection", (reason) => {
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  post({
    type: "error",
    requestId: current,
    errorType: "Runtime.UnhandledPromiseRejection",
    errorMessage: text,
    trace: [`Runtime.UnhandledPromiseRejection: ${text}`, ...String(reason?.stack ?? "").split("\n").slice(1)],
    unhandled: true,
    fatal: true,
  });
  process.exit(128);
});

process.on("uncaughtException", (error) => {
  post({ type: "error", requestId: current, ...describe(error), unhandled: true, fatal: true });
  process.exit(129);
});

port.on("message", (message) => {
  if (message && message.type === "invoke") void invoke(message);
});
