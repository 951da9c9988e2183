// The Node.js runtime of one execution environment: a process of its own (started by the runner,
// see runner.ts for why a process), which loads the function's handler once (the init phase),
// then runs one invocation at a time, as AWS's Node.js runtime does.
//
// Plain JavaScript on purpose: it starts on bare Node, and registers tsx only for a TypeScript
// handler (tsx costs ~30 MB and ~300 ms an environment, so a JavaScript handler goes without).
//
// It speaks to the runner over fd 3 in frames: a big-endian u32 length of the rest, a u32 length
// of a JSON header, the header, then the body bytes (an event or a response, as they are).
//   in:  { type: "configure", handler, codeDir, functionName, functionVersion, memorySize,
//          logGroupName, logStreamName, sdkHook, maxResponseBytes }
//        { type: "invoke", requestId, deadlineMs, invokedFunctionArn, clientContext?, traceId?, clockMs? }  body: event
//   out: { type: "hello", pid }                             (first: the runtime's process)
//        { type: "ready" }                                  (init done: ask for the next event)
//        { type: "init-error", errorType, errorMessage, trace }   (then exits, as on AWS)
//        { type: "result", requestId }                      body: the response JSON
//        { type: "error", requestId, errorType, errorMessage, trace, unhandled, fatal? }
// What the handler prints goes to stdout and stderr as AWS formats it ("time\trequestId\tLEVEL\t
// message", newlines as \r so that one call stays one line), written synchronously: a function
// that floods its log is slowed to the pace the runner reads, it does not buffer without bound.
import { existsSync, statSync, writeSync } from "node:fs";
import { register } from "node:module";
import { Socket } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

// ---------------------------------------------------------------- output

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data` to `fd`, blocking (with 1 ms naps while the pipe is full). */
function writeAll(fd, data) {
  const buf = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < buf.length) {
    try {
      at += writeSync(fd, buf, at);
    } catch (error) {
      if (error && error.code === "EAGAIN") {
        Atomics.wait(nap, 0, 0, 1);
        continue;
      }
      return; // the runner is gone (EPIPE): nothing left to tell
    }
  }
}

function blockingStream(fd) {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      writeAll(fd, chunk);
      callback();
    },
  });
  stream.fd = fd;
  stream.isTTY = false;
  return stream;
}

// Before anything reads them: Node's own stdout on a socket pair buffers without limit.
const stdout = blockingStream(1);
const stderr = blockingStream(2);
Object.defineProperty(process, "stdout", { configurable: true, enumerable: true, get: () => stdout });
Object.defineProperty(process, "stderr", { configurable: true, enumerable: true, get: () => stderr });

/** The invocation in progress (null between invocations and during init). */
let current = null;

for (const [method, level, fd] of [
  ["log", "INFO", 1],
  ["info", "INFO", 1],
  ["warn", "WARN", 1],
  ["error", "ERROR", 1],
  ["debug", "DEBUG", 1],
  ["trace", "TRACE", 1],
]) {
  console[method] = (...args) => {
    const text = format(...args).replace(/\n/g, "\r");
    writeAll(fd, `${new Date().toISOString()}\t${current ?? "undefined"}\t${level}\t${text}\n`);
  };
}

// ---------------------------------------------------------------- the channel

const channel = new Socket({ fd: 3, readable: true, writable: true });

function send(header, body) {
  const head = Buffer.from(JSON.stringify(header));
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(4 + head.length + payload.length, 0);
  prefix.writeUInt32BE(head.length, 4);
  channel.write(Buffer.concat([prefix, head, payload]));
}

/** Sends and exits once the frame is out (the runner must learn why before the process ends). */
function sendAndExit(header, code) {
  const head = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(4 + head.length, 0);
  prefix.writeUInt32BE(head.length, 4);
  channel.write(Buffer.concat([prefix, head]), () => process.exit(code));
  // Should the write never complete, do not linger.
  setTimeout(() => process.exit(code), 1000).unref();
}

let pending = Buffer.alloc(0);
const handlers = { configure: null, invoke: null };
channel.on("data", (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 4) {
    const length = pending.readUInt32BE(0);
    if (pending.length < 4 + length) break;
    const headLength = pending.readUInt32BE(4);
    const header = JSON.parse(pending.subarray(8, 8 + headLength).toString("utf8"));
    const body = pending.subarray(8 + headLength, 4 + length);
    pending = pending.subarray(4 + length);
    const handler = handlers[header.type];
    if (handler) handler(header, body);
  }
});
// The runner went away: so does this environment.
channel.on("end", () => process.exit(0));
channel.on("error", () => process.exit(0));
send({ type: "hello", pid: process.pid });

// ---------------------------------------------------------------- errors

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

// ---------------------------------------------------------------- init

let config = null;
let handlerFn = null;

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
  // AWS's Node.js runtimes ship the AWS SDK v3. A zip function finds rekognito's through the
  // code root's node_modules; a local directory outside any node_modules tree needs this hook.
  if (config.sdkHook) register("./runtime-modules.mjs", import.meta.url);
  let mod;
  try {
    if (/\.[mc]?ts$/.test(file)) {
      const { tsImport } = await import("tsx/esm/api");
      mod = await tsImport(pathToFileURL(file).href, import.meta.url);
    } else {
      mod = await import(pathToFileURL(file).href);
    }
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

handlers.configure = async (header) => {
  config = header;
  try {
    handlerFn = await loadHandler();
  } catch (error) {
    sendAndExit({ type: "init-error", ...describe(error) }, 1);
    return;
  }
  send({ type: "ready" });
};

// ---------------------------------------------------------------- the stack's clock

// A stack whose clock is not the system's (--clock manual|offset, a test's ManualClock) sends
// its time with each invocation: Date in the function reads the stack's time from then on, as
// Cognito, S3 and everything else in the stack do, so what the function signs, presigns and
// rate-limits by agrees with the stack. Only once the two differ by a second or more: on the
// system clock Date stays Node's own. Timers and performance.now() are untouched.
const RealDate = Date;
let clockOffset = 0;
function StackDate(...args) {
  if (!new.target) return new RealDate(RealDate.now() + clockOffset).toString();
  return args.length === 0 ? new RealDate(RealDate.now() + clockOffset) : new RealDate(...args);
}
StackDate.prototype = RealDate.prototype;
StackDate.now = () => RealDate.now() + clockOffset;
StackDate.parse = RealDate.parse;
StackDate.UTC = RealDate.UTC;

function followStackClock(stackNow) {
  if (typeof stackNow !== "number") return;
  const offset = stackNow - RealDate.now();
  if (globalThis.Date === RealDate && Math.abs(offset) < 1000) return;
  clockOffset = offset;
  globalThis.Date = StackDate;
}

// ---------------------------------------------------------------- invoke

handlers.invoke = (message, body) => {
  const { requestId, deadlineMs } = message;
  current = requestId;
  followStackClock(message.clockMs);
  // As AWS Lambda's runtime does per invocation: the AWS SDK sends it back as X-Amzn-Trace-Id
  // with every call the handler makes, which is how rekognito's console ties calls to invocations.
  if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId;
  else delete process.env._X_AMZN_TRACE_ID;
  let settled = false;
  const finish = (error, result) => {
    if (settled) return;
    settled = true;
    current = null;
    if (error !== null && error !== undefined) {
      send({ type: "error", requestId, ...describe(error), unhandled: false });
      return;
    }
    const text = result === undefined ? "null" : safeJson(result);
    if (text === undefined) {
      send({ type: "error", requestId, errorType: "Runtime.MarshalError", errorMessage: "Unable to stringify response body", trace: [], unhandled: true });
      return;
    }
    const bytes = Buffer.from(text);
    if (bytes.length > config.maxResponseBytes) {
      send({
        type: "error",
        requestId,
        errorType: "Function.ResponseSizeTooLarge",
        errorMessage: `Response payload size exceeded maximum allowed payload size (${config.maxResponseBytes} bytes).`,
        trace: [],
        unhandled: true,
      });
      return;
    }
    send({ type: "result", requestId }, bytes);
  };

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
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadlineMs - RealDate.now())),
    done: (error, result) => finish(error, result),
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error ?? new Error("handled")),
  };
  const callback = (error, result) => finish(error, result);

  let event;
  try {
    event = JSON.parse(body.toString("utf8"));
  } catch {
    event = {};
  }
  try {
    const returned = handlerFn(event, context, callback);
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
};

process.on("unhandledRejection", (reason) => {
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  sendAndExit(
    {
      type: "error",
      requestId: current,
      errorType: "Runtime.UnhandledPromiseRejection",
      errorMessage: text,
      trace: [`Runtime.UnhandledPromiseRejection: ${text}`, ...String(reason?.stack ?? "").split("\n").slice(1)],
      unhandled: true,
      fatal: true,
    },
    128,
  );
});

process.on("uncaughtException", (error) => {
  sendAndExit({ type: "error", requestId: current, ...describe(error), unhandled: true, fatal: true }, 129);
});
