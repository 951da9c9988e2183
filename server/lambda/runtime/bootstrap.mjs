// The Node.js runtime of one execution environment: a process of its own (started by the runner,
// see runner.ts for why a process), which loads the function's handler once (the init phase),
// then runs one invocation at a time, as AWS's Node.js runtime does.
//
// Plain JavaScript on purpose: it starts on bare Node. A TypeScript handler arrives compiled:
// the runner bundles its own code with esbuild once per version of it (builds.ts), so no
// environment carries a TypeScript loader (tsx cost ~30 MB and ~300 ms each).
//
// It speaks to the runner over fd 3 in frames: a big-endian u32 length of the rest, a u32 length
// of a JSON header, the header, then the body bytes (an event or a response, as they are).
//   in:  { type: "configure", handler, codeDir, functionName, functionVersion, memorySize,
//          logGroupName, logStreamName, sdkHook, maxResponseBytes, entry?, moduleDirs?, redirect?,
//          compileCache? }
//        (entry: the compiled file of a TypeScript handler; moduleDirs: layers' node_modules for
//        ES module imports; redirect: { host, port, pattern }, see "AWS endpoints" below;
//        compileCache: the directory of V8's compiled code, see "init" below)
//        { type: "invoke", requestId, deadlineMs, invokedFunctionArn, clientContext?, traceId?, clockMs? }  body: event
//   out: { type: "hello", pid }                             (first: the runtime's process)
//        { type: "ready" }                                  (init done: ask for the next event)
//        { type: "init-error", errorType, errorMessage, trace }   (then exits, as on AWS)
//        { type: "result", requestId }                      body: the response JSON
//        { type: "error", requestId, errorType, errorMessage, trace, unhandled, fatal? }
// What the handler prints goes to stdout and stderr as AWS formats it ("time\trequestId\tLEVEL\t
// message", newlines as \r so that one call stays one line), written synchronously: a function
// that floods its log is slowed to the pace the runner reads, it does not buffer without bound.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeSync } from "node:fs";
import nodeModule, { register } from "node:module";
import net, { Socket } from "node:net";
import tls from "node:tls";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
// Node 20's code cache for CommonJS, shared with the CLI's start (bin/rekognito.js).
import { compileWrapped, writeCachedData } from "../../../lib/code-cache.cjs";

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
  const file =
    config.entry ??
    [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((path) => existsSync(path) && statSync(path).isFile());
  if (!file) {
    throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'`);
  }
  // AWS's Node.js runtimes ship the AWS SDK v3, and find layers' packages in /opt/nodejs. A zip
  // function finds rekognito's SDK through the code root's node_modules; a local directory
  // outside any node_modules tree, and ES module imports of layers' packages, need this hook.
  if (config.sdkHook || config.moduleDirs?.length) {
    register("./runtime-modules.mjs", import.meta.url, { data: { moduleDirs: config.moduleDirs ?? [] } });
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError("Runtime.UserCodeSyntaxError", `SyntaxError: ${error.message}`);
    // A dependency the package does not carry: AWS's words, "Error: Cannot find module 'aws-sdk'"
    // (CommonJS, with its require stack) or "Error: Cannot find package 'x' imported from ...".
    if (error && (error.code === "MODULE_NOT_FOUND" || error.code === "ERR_MODULE_NOT_FOUND")) {
      const failure = new RuntimeError("Runtime.ImportModuleError", `Error: ${error.message}`);
      failure.stack = `Runtime.ImportModuleError: Error: ${error.message}`;
      throw failure;
    }
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

// ---------------------------------------------------------------- AWS endpoints

// Code that ignores AWS_ENDPOINT_URL (the AWS SDK for JavaScript v2, a client given no
// endpoint by an old library) calls an emulated service at its AWS name over TLS, e.g.
// https://dynamodb.us-east-1.amazonaws.com/. Such a connection goes to the stack instead, as
// plain TCP: the request above it is untouched, Host header and SigV4 signature included, and
// the gateway accepts AWS's names for this (server/protocol/aws-hosts.ts gives the pattern).
// Everything else (other hosts, other AWS services) connects as it would.
function redirectAwsEndpoints(redirect) {
  const hosts = new RegExp(redirect.pattern);
  const connect = tls.connect;
  tls.connect = function rekognitoConnect(...args) {
    const callback = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
    let options;
    if (args[0] && typeof args[0] === "object") options = args[0];
    else if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
      options = { port: Number(args[0]), host: typeof args[1] === "string" ? args[1] : undefined, ...(args.find((a, i) => i > 0 && a && typeof a === "object") ?? {}) };
    }
    const host = String(options?.servername || options?.host || "").toLowerCase().replace(/\.$/, "");
    const port = options?.port === undefined ? 443 : Number(options.port);
    if (!options || port !== 443 || !hosts.test(host)) return connect.apply(this, args);
    const socket = net.connect({ host: redirect.host, port: redirect.port });
    // What callers of a TLS socket read of it (undici waits for secureConnect; agents ask for the session).
    socket.encrypted = true;
    socket.authorized = true;
    socket.alpnProtocol = false;
    socket.servername = host;
    socket.getPeerCertificate = () => ({});
    socket.getSession = () => undefined;
    socket.getProtocol = () => "TLSv1.3";
    socket.getCipher = () => ({ name: "TLS_AES_128_GCM_SHA256", standardName: "TLS_AES_128_GCM_SHA256", version: "TLSv1.3" });
    socket.isSessionReused = () => false;
    socket.once("connect", () => socket.emit("secureConnect"));
    if (callback) socket.once("secureConnect", callback);
    return socket;
  };
}

// V8's compiled code of what an environment loads (the handler, the AWS SDK's files) is kept in
// the runner's cache directory, so that the next cold start of any function importing the same
// files reads it instead of compiling them again (Node 24 here: five SDK clients 178 -> 128 ms
// of CPU). It is written when the first invocation has its answer (init's modules and those its
// first SDK call loads: credentials, the HTTP handler), before the answer is sent, since an
// environment reclaimed with SIGKILL never reaches its exit; once the cache holds them, there is
// nothing new to write.
// Node 22 and later keep it themselves (module.enableCompileCache). Node 20 has no such cache for
// modules, but the SDK is CommonJS (its packages' main, even under import): the CommonJS files of
// node_modules are compiled here through vm.Script with V8's cached data (the Cognito and
// DynamoDB clients 300-350 -> ~205 ms of CPU), every other file as Node compiles it.
let compileCacheToWrite = false;
/** Node 20's: the scripts compiled without cached data, and where theirs is to be written. */
const scriptsToCache = [];
function startCompileCache(directory) {
  if (!directory) return;
  if (typeof nodeModule.enableCompileCache !== "function") {
    cacheCommonJs(join(directory, `v8-${process.versions.v8}-cjs`));
    return;
  }
  try {
    const { status } = nodeModule.enableCompileCache(directory) ?? {};
    compileCacheToWrite = status !== nodeModule.constants?.compileCacheStatus?.FAILED && typeof nodeModule.flushCompileCache === "function";
  } catch {
    // a directory that cannot be written: compile as usual
  }
}
function writeCompileCache() {
  for (const { file, script } of scriptsToCache.splice(0)) writeCachedData(script, file);
  if (!compileCacheToWrite) return;
  try {
    nodeModule.flushCompileCache();
  } catch {
    compileCacheToWrite = false;
  }
}

/** Node 20: compiles the CommonJS files of node_modules with V8's cached data kept in `directory`. */
function cacheCommonJs(directory) {
  try {
    mkdirSync(directory, { recursive: true });
  } catch {
    return; // a directory that cannot be written: compile as usual
  }
  const Module = nodeModule.Module ?? nodeModule;
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, format) {
    if ((format !== undefined && format !== "commonjs") || !filename.includes("/node_modules/")) return compile.call(this, content, filename, format);
    // Named after the file and its content: an upgraded package never meets another's code.
    const file = join(directory, createHash("sha1").update(filename).update("\0").update(content).digest("hex"));
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    let wrapper;
    let script;
    try {
      script = compileWrapped(content, filename, cachedData, { importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
      wrapper = script.runInThisContext({ displayErrors: true });
    } catch {
      // Not CommonJS after all (ES module syntax in a .js), or a syntax error: Node's own path says which.
      return compile.call(this, content, filename, format);
    }
    if (!cachedData || script.cachedDataRejected) scriptsToCache.push({ file, script });
    return wrapper.call(this.exports, this.exports, requireOf(Module, this), this, filename, dirname(filename));
  };
}

/** The `require` a CommonJS module is given, as Node makes it. */
function requireOf(Module, module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

handlers.configure = async (header) => {
  config = header;
  if (config.redirect) redirectAwsEndpoints(config.redirect);
  startCompileCache(config.compileCache);
  try {
    handlerFn = await loadHandler();
  } catch (error) {
    sendAndExit({ type: "init-error", ...describe(error) }, 1);
    return;
  }
  send({ type: "ready" });
};

// ---------------------------------------------------------------- global.gc

// AWS's bootstrap starts node with --expose-gc: a handler may call global.gc(). Where the server
// leaves the flag out (Node 22 and later: it would cost every cold start the code cache of Node's
// built-in modules, environment.ts), global.gc is made the first time it is read, by setting the
// flag then; until then it looks as the flag makes it (writable, enumerable).
function exposeGcOnFirstUse() {
  if (typeof globalThis.gc === "function") return;
  const settle = (value) => Object.defineProperty(globalThis, "gc", { value, writable: true, enumerable: true, configurable: false });
  Object.defineProperty(globalThis, "gc", {
    configurable: true,
    enumerable: true,
    get() {
      v8.setFlagsFromString("--expose-gc");
      const gc = vm.runInNewContext("gc");
      settle(gc);
      return gc;
    },
    set(value) {
      settle(value);
    },
  });
}
exposeGcOnFirstUse();

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

let firstInvocation = true;
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
    if (firstInvocation) {
      firstInvocation = false;
      writeCompileCache();
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
