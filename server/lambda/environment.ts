import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "../core/logger.js";
import { EnvironmentLog, type LogLimits } from "./logs.js";
import { childrenOf, processMemorySupported, ProcessTreeMemory } from "./memory.js";
import { RuntimeApi } from "./runtime-api.js";
import type { Timers } from "../core/timers.js";

/**
 * How an environment's runtime is started and spoken to.
 *   - node: rekognito's Node.js runtime (runtime/bootstrap.mjs) on the server's own node, over a
 *     framed channel on fd 3 (cheaper per invoke than HTTP; see runtime-api.ts).
 *   - runtime-api: any program that speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API (the
 *     Python bootstrap, a custom runtime's `bootstrap`). `missing`: why it cannot start, reported
 *     at its first invocation as AWS reports it (Runtime.InvalidEntrypoint).
 */
export type Launch =
  | { kind: "node"; execArgv?: string[]; settings?: Record<string, unknown> }
  | { kind: "runtime-api"; argv: string[]; missing?: { errorType: string; errorMessage: string; withRequestId?: boolean } };

/** What an execution environment runs (fixed for its life). */
export interface EnvironmentSpec {
  functionName: string;
  functionVersion: string;
  runtime: string;
  codeDir: string;
  handler: string;
  memorySize: number;
  logGroupName: string;
  /** The whole environment of the runtime process. */
  env: Record<string, string>;
  /** The code cannot find the AWS SDK on its own: the runtime resolves it from rekognito's. */
  sdkHook: boolean;
  /** How the runtime runs (default: rekognito's Node.js runtime). */
  launch?: Launch;
}

/** One invocation as an environment runs it. */
export interface Invocation {
  requestId: string;
  /** The event as JSON text. */
  payload: string;
  invokedFunctionArn: string;
  clientContext?: unknown;
  /** The X-Ray trace header of this invocation, which the runtime puts in _X_AMZN_TRACE_ID. */
  traceId?: string;
  /** What is left of the function's timeout, ms (the context's getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** The runtime received it: the function's clock runs from here (after a cold start's init). */
  started: () => void;
  /** Called once with how the invocation ended. */
  finish: (outcome: RunOutcome) => void;
}

/** How an invocation ended, with the tail of its log (AWS's lines, START to REPORT). */
export type RunOutcome =
  | { ok: true; payload: string; log: string }
  | {
      ok: false;
      /** Handled: the handler threw or rejected. Unhandled: init failure, crash, exit, timeout. */
      functionError: "Handled" | "Unhandled";
      errorType: string;
      errorMessage: string;
      trace: string[];
      /** "function": its own timeout; "caller": the caller stopped waiting (Cognito's 5 s). */
      timedOut: false | "function" | "caller";
      log: string;
      /** The error document as the runtime posted it (Runtime API runtimes): what Invoke answers. */
      document?: string;
      /** The caller was refused before anything ran (reserved concurrency): TooManyRequestsException. */
      throttled?: boolean;
    };

export interface EnvironmentOptions {
  logger: Logger;
  timers: Timers;
  /** ISO time of now, from the injected clock (the runner's own log lines). */
  now: () => string;
  logStreamName: string;
  /** Bytes the environment's processes may hold before it is killed (Runtime.OutOfMemory). */
  memoryLimitBytes: number;
  /** Largest response a function may return (AWS: 6291556 bytes). */
  maxResponseBytes: number;
  log: LogLimits;
  /** How long loading the code may take (AWS: 10 s). */
  initTimeoutMs: number;
}

const BOOTSTRAP = fileURLToPath(new URL("./runtime/bootstrap.mjs", import.meta.url));
/** The Node.js every environment runs on: the server's own. */
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

/**
 * The nanny between the server and the runtime: a shell that waits for it. The runtime's parent
 * is this shell, never the server, so `process.kill(process.ppid)` ends the environment and not
 * rekognito; it also turns core dumps off (process.abort() would write one the size of the heap).
 * The runtime leads a process group of its own, so `process.kill(0, ...)` stays inside the
 * environment, and the runner ends the runtime and whatever it started with one signal to it.
 *   - bash (Debian's, macOS's): the runtime is a job of the shell's (`set -m`), its own group in
 *     the server's session. Staying in the session matters where the kernel groups scheduling by
 *     session (autogroup): a runtime in a session of its own waits longer for a core under load
 *     (measured: 0.3-1.5 ms more per invoke on a busy 2-core machine).
 *   - elsewhere, sh in a session of its own (setsid), which it leads with the runtime.
 * The shell's own notices ("Killed") go nowhere: only the runtime writes to the log.
 */
const NANNY_JOB = 'set -m; ulimit -c 0 2>/dev/null; "$@" & exec 2>/dev/null; wait $!; exit $?';
const NANNY_SESSION = 'ulimit -c 0 2>/dev/null; "$@"; exit $?';
const NANNY: "job" | "session" | "none" = process.platform === "win32" ? "none" : existsSync("/bin/bash") ? "job" : "session";

/** Frames from the runtime larger than this end the environment (a response over AWS's limit). */
const FRAME_SLACK = 256 * 1024;
/** The largest semi-space an environment's young generation gets, MB (see startNode). */
const YOUNG_SEMI_SPACE_MB = 2;
const EMPTY = Buffer.alloc(0);

/** Go's names for signals, which AWS's runtime interface prints ("signal: killed"). */
const SIGNAL_NAMES: Record<string, string> = {
  SIGHUP: "hangup",
  SIGINT: "interrupt",
  SIGQUIT: "quit",
  SIGILL: "illegal instruction",
  SIGTRAP: "trace/breakpoint trap",
  SIGABRT: "aborted",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGKILL: "killed",
  SIGUSR1: "user defined signal 1",
  SIGSEGV: "segmentation fault",
  SIGUSR2: "user defined signal 2",
  SIGPIPE: "broken pipe",
  SIGALRM: "alarm clock",
  SIGTERM: "terminated",
};

const SIGNAL_BY_NUMBER: Record<number, string> = {
  1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
  9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
};

/** "Runtime exited with error: exit status 3", "... signal: killed": how AWS says a runtime ended. */
function exitReason(code: number | null, signal: NodeJS.Signals | null, viaNanny: boolean): string {
  let name: string | null = signal;
  let status = code;
  // The shell reports a runtime killed by signal n as exit status 128 + n.
  if (viaNanny && name === null && status !== null && status > 128 && SIGNAL_BY_NUMBER[status - 128]) {
    name = SIGNAL_BY_NUMBER[status - 128]!;
    status = null;
  }
  if (name !== null) return `Runtime exited with error: signal: ${SIGNAL_NAMES[name] ?? name.replace(/^SIG/, "").toLowerCase()}`;
  if (!status) return "Runtime exited without providing a reason";
  return `Runtime exited with error: exit status ${status}`;
}

/**
 * Every environment alive in this process, so that none outlives the server: a normal exit, an
 * uncaught error or process.exit() kills them all (synchronously, as 'exit' requires). The one
 * process-wide set there must be, since the process's end is process-wide. An idle runtime also
 * ends by itself when its channel closes (a server killed with SIGKILL).
 */
const alive = new Set<ExecutionEnvironment>();
let exitHook = false;
function track(env: ExecutionEnvironment): void {
  alive.add(env);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const e of alive) e.kill("close");
  });
}

type RuntimeMessage =
  | { type: "hello"; pid: number }
  | { type: "ready" }
  | { type: "init-error"; errorType: string; errorMessage: string; trace: string[]; document?: string }
  | { type: "result"; requestId: string }
  | { type: "error"; requestId: string | null; errorType: string; errorMessage: string; trace: string[]; unhandled: boolean; fatal?: boolean; document?: string };

/** An error document a runtime posted to the Runtime API ({errorMessage, errorType, stackTrace}), read leniently. */
function errorDocument(body: Buffer, headerType: string | undefined): { errorType: string; errorMessage: string; trace: string[]; document: string } {
  const text = body.toString("utf8");
  let parsed: { errorType?: unknown; errorMessage?: unknown; stackTrace?: unknown } = {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) parsed = value as typeof parsed;
  } catch {
    // not JSON: AWS builds the error from the Lambda-Runtime-Function-Error-Type header
  }
  const errorType = typeof parsed.errorType === "string" && parsed.errorType ? parsed.errorType : (headerType ?? "Unhandled");
  const errorMessage = typeof parsed.errorMessage === "string" ? parsed.errorMessage : text;
  const trace = Array.isArray(parsed.stackTrace) ? parsed.stackTrace.map(String) : [];
  const document = typeof parsed.errorType === "string" || typeof parsed.errorMessage === "string" ? text : JSON.stringify({ errorMessage, errorType });
  return { errorType, errorMessage, trace, document };
}

export type EnvironmentState = "init" | "idle" | "busy" | "dead";

/**
 * One execution environment: a runtime process of its own that runs one invocation at a time,
 * with its own memory limit, its own log and its own end. Nothing it does reaches the server but
 * frames on its channel (bounded) and lines on its output (bounded, see logs.ts).
 */
export class ExecutionEnvironment {
  state: EnvironmentState = "init";
  /** The invocation running, or waiting for init to finish (a cold start). */
  current: Invocation | null = null;
  readonly log: EnvironmentLog;
  /** Peak resident bytes during the current invocation. */
  private peak = 0;
  private started = 0;
  private initStarted: number;
  private initDuration: number | null = null;
  /** How long the init took, ms, once it is done. */
  initMs: number | null = null;
  private initTimer: unknown = null;
  private child: ChildProcess | null = null;
  private channel: (Writable & Readable) | null = null;
  /** The Runtime API this environment serves (runtimes other than rekognito's Node.js one). */
  private api: RuntimeApi | null = null;
  private readonly nanny: boolean;
  private runtimePid: number | null = null;
  private killedFor: "memory" | "timeout" | "frame" | "close" | null = null;
  /** The current invocation was handed to the runtime (not only waiting for init). */
  private running = false;
  private initError: Extract<RuntimeMessage, { type: "init-error" }> | null = null;
  private fatal: Extract<RuntimeMessage, { type: "error" }> | null = null;
  /** Bytes read from the channel not yet making a whole frame. */
  private frameParts: Buffer[] = [];
  private frameBytes = 0;
  private readonly exited: Promise<void>;
  private markExited!: () => void;
  /** The runtime could not be started (Launch.missing). */
  private cannotStart = false;
  /** The runtime's process tree's memory, read through /proc files kept open. */
  private memory: ProcessTreeMemory | null = null;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly options: EnvironmentOptions,
    /** ready: init done, or an invocation done (the environment may be idle); gone: it exited. */
    private readonly events: { ready(env: ExecutionEnvironment): void; gone(env: ExecutionEnvironment): void },
  ) {
    this.log = new EnvironmentLog(spec.functionName, options.logger, options.log);
    this.initStarted = performance.now();
    this.nanny = NANNY !== "none";
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.initTimer = options.timers.set(() => this.onInitTimeout(), options.initTimeoutMs);
    track(this);
    const launch = spec.launch ?? { kind: "node" };
    if (launch.kind === "node") {
      this.startNode(launch);
      return;
    }
    if (launch.missing) {
      // Nothing to start (no bootstrap, no python3): the init fails as AWS's does, with its words.
      const missing = launch.missing;
      this.cannotStart = missing.withRequestId !== false;
      this.initError = { type: "init-error", errorType: missing.errorType, errorMessage: missing.errorMessage, trace: [] };
      this.markExited();
      setImmediate(() => this.onExit(null, null));
      return;
    }
    RuntimeApi.listen(
      {
        next: () => this.onMessage({ type: "ready" }, EMPTY),
        response: (requestId, body) => this.onMessage({ type: "result", requestId }, body),
        error: (requestId, errorType, body) => this.onMessage({ type: "error", requestId, unhandled: false, ...errorDocument(body, errorType) }, EMPTY),
        initError: (errorType, body) => {
          this.onMessage({ type: "init-error", ...errorDocument(body, errorType) }, EMPTY);
          // "Runtime should exit after reporting the error": this one does, now.
          this.signalAll();
        },
        tooLarge: (requestId) => {
          if (this.current?.requestId === requestId && this.state === "busy") this.complete(responseTooLarge(options.maxResponseBytes), "error", "Function.ResponseSizeTooLarge");
        },
      },
      options.maxResponseBytes,
    ).then(
      (api) => {
        this.api = api;
        if (this.killedFor !== null || this.state === "dead") {
          api.close();
          this.markExited();
          setImmediate(() => this.onExit(null, "SIGKILL"));
          return;
        }
        this.spawnRuntime(launch.argv, { AWS_LAMBDA_RUNTIME_API: api.address }, ["ignore", "pipe", "pipe"]);
      },
      (error: Error) => {
        options.logger.error(`[${spec.functionName}] could not serve its Runtime API: ${error.message}`);
        this.markExited();
        setImmediate(() => this.onExit(127, null));
      },
    );
  }

  /** rekognito's Node.js runtime, configured over its channel. */
  private startNode(launch: Extract<Launch, { kind: "node" }>): void {
    const spec = this.spec;
    const options = this.options;
    // The young generation: AWS's bootstrap gives it 5% of the memory size (12 MB of semi-space
    // for 256 MB); here at most YOUNG_SEMI_SPACE_MB, which keeps a trigger that imports four SDK
    // clients at ~78 MB resident instead of ~103 MB after a few hundred invocations (measured),
    // for scavenges a little more often (each well under a millisecond). The heap limit is the
    // environment's limit, so that the resident-set watch, not V8, ends a runaway heap, as AWS's
    // sandbox does ("signal: killed").
    const semiSpace = Math.max(1, Math.min(YOUNG_SEMI_SPACE_MB, Math.floor((spec.memorySize * 5) / 100)));
    const oldSpace = Math.max(16, Math.floor(options.memoryLimitBytes / 1048576));
    const node = [
      process.execPath,
      // AWS's bootstrap also passes --expose-gc. Any V8 flag that changes V8's flag hash makes V8
      // refuse the code cache Node's built-in modules ship with, so that each one an environment
      // loads (net, http, crypto...) is compiled anew: on Node 24 (whose hash leaves the heap's
      // sizes out) --expose-gc alone took five built-ins' load from 52-55 to 70-81 ms of CPU here,
      // so on Node 22 and later the runtime makes global.gc at its first read instead
      // (bootstrap.mjs). On Node 20 the heap's sizes are in the hash too: the cost is paid anyway.
      ...(NODE_MAJOR >= 22 ? [] : ["--expose-gc"]),
      "--max-http-header-size=81920",
      `--max-semi-space-size=${semiSpace}`,
      `--max-old-space-size=${oldSpace}`,
      ...(launch.execArgv ?? []),
      BOOTSTRAP,
    ];
    this.spawnRuntime(node, {}, ["ignore", "pipe", "pipe", "pipe"]);
    const child = this.child!;
    this.channel = child.stdio[3] as Writable & Readable;
    this.channel.on("data", (chunk: Buffer) => this.onFrames(chunk));
    this.channel.on("error", () => {});
    this.send({
      type: "configure",
      handler: spec.handler,
      codeDir: spec.codeDir,
      functionName: spec.functionName,
      functionVersion: spec.functionVersion,
      memorySize: spec.memorySize,
      logGroupName: spec.logGroupName,
      logStreamName: options.logStreamName,
      sdkHook: spec.sdkHook,
      maxResponseBytes: options.maxResponseBytes,
      ...(launch.settings ?? {}),
    });
  }

  /** Starts the runtime's process under its nanny, in the function's directory, with its environment. */
  private spawnRuntime(argv: string[], extraEnv: Record<string, string>, stdio: ("ignore" | "pipe")[]): void {
    const env = { ...this.spec.env, ...extraEnv, AWS_LAMBDA_LOG_STREAM_NAME: this.options.logStreamName };
    const cwd = this.spec.codeDir;
    const child =
      NANNY === "job"
        ? spawn("/bin/bash", ["-c", NANNY_JOB, "rekognito-lambda", ...argv], { env, cwd, stdio })
        : NANNY === "session"
          ? spawn("/bin/sh", ["-c", NANNY_SESSION, "rekognito-lambda", ...argv], { env, cwd, stdio, detached: true })
          : spawn(argv[0]!, argv.slice(1), { env, cwd, stdio, detached: true });
    this.child = child;
    if (NANNY !== "job") this.runtimePid = NANNY === "none" ? (child.pid ?? null) : null;
    child.once("exit", (code, signal) => {
      this.api?.close();
      this.markExited();
      setImmediate(() => this.onExit(code, signal));
    });
    child.once("error", (error) => {
      this.options.logger.error(`[${this.spec.functionName}] could not start its runtime: ${error.message}`);
      // Never started (no shell, no node): no exit will come, so end it here as "not found".
      if (child.pid === undefined) {
        this.api?.close();
        this.markExited();
        setImmediate(() => this.onExit(127, null));
      }
    });
    child.stdout!.on("data", (chunk: Buffer) => this.log.output("stdout", chunk));
    child.stderr!.on("data", (chunk: Buffer) => this.log.output("stderr", chunk));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The runtime's process (under the nanny shell), found from the nanny when it did not say. */
  private runtimeProcess(): number | undefined {
    const pid = this.child?.pid;
    if (!pid) return undefined;
    if (this.runtimePid !== null) return this.runtimePid;
    if (!this.nanny) return pid;
    const found = childrenOf(pid)[0];
    // A runtime that cannot say its pid (any Runtime API one): its first child of the nanny.
    if (found !== undefined && this.api) this.runtimePid = found;
    return found;
  }

  /** Resident bytes of the runtime and what it started (the nanny shell excluded). */
  residentBytes(): number {
    if (!processMemorySupported || !this.child?.pid) return 0;
    const pid = this.runtimeProcess();
    if (!pid) return 0;
    if (this.memory?.pid !== pid) {
      this.memory?.close();
      this.memory = new ProcessTreeMemory(pid);
    }
    return this.memory.residentBytes();
  }

  /** Called by the runner's memory watch: ends the environment once it holds too much. */
  sample(): void {
    if (this.state === "dead") return;
    const bytes = this.residentBytes();
    if (bytes > this.peak) this.peak = bytes;
    if (bytes > this.options.memoryLimitBytes) this.kill("memory");
  }

  /** Runs an invocation now (idle) or once init is done (a cold start). */
  run(invocation: Invocation): void {
    this.current = invocation;
    if (this.state === "idle") this.start();
  }

  /** A waiting cold-start invocation the caller gave up on: the environment stays for the next. */
  release(invocation: Invocation): void {
    if (this.current === invocation && this.state === "init") this.current = null;
  }

  /** Ends the running invocation as timed out, and the environment with it. */
  timeout(kind: "function" | "caller", seconds: string): void {
    const invocation = this.current;
    if (!invocation || this.state !== "busy") return;
    const id = invocation.requestId;
    this.kill("timeout");
    this.log.line(`${this.options.now()} ${id} Task timed out after ${seconds} seconds`);
    this.log.print(`Task timed out after ${seconds} seconds`);
    this.complete(
      { ok: false, functionError: "Unhandled", errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${id} Error: Task timed out after ${seconds} seconds`, trace: [], timedOut: kind, log: "" },
      "timeout",
    );
  }

  /**
   * Ends the environment (and everything it started) now. A running invocation killed for its
   * memory ends when the exit is reported (as Runtime.OutOfMemory); the other reasons are
   * completed by their caller.
   */
  kill(reason: "memory" | "timeout" | "frame" | "close" = "close"): void {
    if (this.killedFor === null) {
      this.killedFor = reason;
      if (reason === "memory") {
        this.options.logger.warn(`[${this.spec.functionName}] execution environment over its memory (${Math.ceil(this.options.memoryLimitBytes / 1048576)} MB): killed`);
      }
    }
    if (!this.running) this.state = "dead";
    this.options.timers.clear(this.initTimer);
    this.signalAll();
  }

  /** SIGKILL to the runtime's process group and to the nanny. */
  private signalAll(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    const runtime = NANNY === "job" ? this.runtimeProcess() : undefined;
    const targets = NANNY === "job" ? [runtime === undefined || runtime === pid ? null : -runtime, pid] : NANNY === "session" ? [-pid] : [pid];
    for (const target of targets) {
      if (target === null) continue;
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** Kills the environment and resolves once its process has exited. */
  async close(): Promise<void> {
    this.kill("close");
    this.state = "dead";
    await this.exited;
  }

  private send(header: Record<string, unknown>, body?: Buffer): void {
    if (!this.channel) return;
    const head = Buffer.from(JSON.stringify(header));
    const payload = body ?? Buffer.alloc(0);
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32BE(4 + head.length + payload.length, 0);
    prefix.writeUInt32BE(head.length, 4);
    this.channel.write(Buffer.concat([prefix, head, payload]));
  }

  private start(): void {
    const invocation = this.current!;
    this.state = "busy";
    this.running = true;
    this.started = performance.now();
    this.peak = this.residentBytes();
    invocation.started();
    this.log.begin(invocation.requestId);
    this.log.line(`START RequestId: ${invocation.requestId} Version: ${this.spec.functionVersion}`);
    const deadlineMs = Date.now() + invocation.remainingMs();
    if (this.api) {
      this.api.deliver(
        { requestId: invocation.requestId, deadlineMs, invokedFunctionArn: invocation.invokedFunctionArn, traceId: invocation.traceId, clientContext: invocation.clientContext },
        Buffer.from(invocation.payload),
      );
      return;
    }
    this.send(
      {
        type: "invoke",
        requestId: invocation.requestId,
        deadlineMs,
        invokedFunctionArn: invocation.invokedFunctionArn,
        clientContext: invocation.clientContext,
        traceId: invocation.traceId,
        // The stack's time (its clock may be moved): the runtime's Date follows it.
        clockMs: Date.parse(this.options.now()),
      },
      Buffer.from(invocation.payload),
    );
  }

  private onFrames(chunk: Buffer): void {
    this.frameParts.push(chunk);
    this.frameBytes += chunk.length;
    while (this.frameBytes >= 4) {
      if (this.frameParts[0]!.length < 4) this.frameParts = [Buffer.concat(this.frameParts)];
      const length = this.frameParts[0]!.readUInt32BE(0);
      if (length > this.options.maxResponseBytes + FRAME_SLACK) {
        // No runtime of ours sends this: the function wrote to the channel itself.
        this.frameParts = [];
        this.frameBytes = 0;
        this.tooLarge();
        return;
      }
      if (this.frameBytes < 4 + length) return;
      const all = this.frameParts.length === 1 ? this.frameParts[0]! : Buffer.concat(this.frameParts);
      const rest = all.subarray(4 + length);
      this.frameParts = rest.length ? [rest] : [];
      this.frameBytes = rest.length;
      const headLength = all.readUInt32BE(4);
      let message: RuntimeMessage;
      try {
        message = JSON.parse(all.subarray(8, 8 + headLength).toString("utf8")) as RuntimeMessage;
      } catch {
        this.frameParts = [];
        this.frameBytes = 0;
        this.kill("frame");
        return;
      }
      this.onMessage(message, all.subarray(8 + headLength, 4 + length));
    }
  }

  private tooLarge(): void {
    const invocation = this.current;
    this.kill("frame");
    if (invocation && this.state === "busy") this.complete(responseTooLarge(this.options.maxResponseBytes), "error", "Function.ResponseSizeTooLarge");
  }

  private onMessage(message: RuntimeMessage, body: Buffer): void {
    switch (message.type) {
      case "hello": {
        // The runtime's pid (its group's id): what the memory watch reads and a kill signals.
        this.runtimePid = message.pid;
        if (this.killedFor !== null || this.state === "dead") this.signalAll();
        return;
      }
      case "ready": {
        // A Runtime API runtime asks for its next event after every one: only the first ends the init.
        if (this.state !== "init" || this.initMs !== null) return;
        this.options.timers.clear(this.initTimer);
        this.initDuration = performance.now() - this.initStarted;
        this.initMs = this.initDuration;
        this.state = "idle";
        if (this.current) this.start();
        // Either way the pool may act: hand this one work, or start the next init.
        this.events.ready(this);
        return;
      }
      case "init-error":
        this.initError = message;
        return;
      case "result": {
        const invocation = this.current;
        if (!invocation || this.state !== "busy" || message.requestId !== invocation.requestId) return;
        if (body.length > this.options.maxResponseBytes) {
          this.complete(responseTooLarge(this.options.maxResponseBytes), "error", "Function.ResponseSizeTooLarge");
          return;
        }
        const payload = body.toString("utf8");
        // Output the runtime wrote before answering may still be in the pipe: read it first.
        setImmediate(() => this.complete({ ok: true, payload, log: "" }, "success"));
        return;
      }
      case "error": {
        if (message.fatal) {
          // The runtime exits right after this: the exit completes the invocation with it.
          this.fatal = message;
          return;
        }
        const invocation = this.current;
        if (!invocation || this.state !== "busy" || message.requestId !== invocation.requestId) return;
        setImmediate(() => {
          // A Runtime API runtime logs its own errors (AWS's Python runtime prints "[ERROR] ...").
          if (message.document === undefined) this.logError(message);
          this.complete(
            {
              ok: false,
              functionError: message.unhandled ? "Unhandled" : "Handled",
              errorType: message.errorType,
              errorMessage: message.errorMessage,
              trace: message.trace,
              timedOut: false,
              log: "",
              ...(message.document !== undefined ? { document: message.document } : {}),
            },
            "error",
            message.unhandled ? message.errorType : undefined,
          );
        });
        return;
      }
    }
  }

  private logError(message: Extract<RuntimeMessage, { type: "error" }>): void {
    const id = this.current?.requestId ?? message.requestId ?? "undefined";
    const text = message.unhandled
      ? `${message.errorType}: ${message.errorMessage}`
      : `Invoke Error \t${JSON.stringify({ errorType: message.errorType, errorMessage: message.errorMessage, stack: message.trace })}`;
    this.log.line(`${this.options.now()}\t${id}\tERROR\t${text.replace(/\n/g, "\r")}`);
    this.log.print(text);
  }

  private onInitTimeout(): void {
    if (this.state !== "init") return;
    const seconds = (this.options.initTimeoutMs / 1000).toFixed(2);
    this.options.logger.warn(`[${this.spec.functionName}] init did not finish within ${seconds} seconds`);
    this.kill("timeout");
    const invocation = this.current;
    if (!invocation) return;
    this.log.begin(invocation.requestId);
    this.log.line(`START RequestId: ${invocation.requestId} Version: ${this.spec.functionVersion}`);
    this.log.line(`${this.options.now()} ${invocation.requestId} Task timed out after ${seconds} seconds`);
    this.started = performance.now();
    this.complete(
      { ok: false, functionError: "Unhandled", errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${invocation.requestId} Error: Task timed out after ${seconds} seconds`, trace: [], timedOut: "function", log: "" },
      "timeout",
    );
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    // The nanny is gone: whatever is left of its group (a runtime whose parent it killed,
    // processes the function started) goes with it.
    this.signalAll();
    alive.delete(this);
    this.memory?.close();
    this.memory = null;
    this.log.flush();
    this.options.timers.clear(this.initTimer);
    const wasLive = this.state !== "dead";
    this.state = "dead";
    const invocation = this.current;
    const memory = this.killedFor === "memory";
    const reason = (id: string) => `RequestId: ${id} Error: ${memory ? "Runtime exited with error: signal: killed" : exitReason(code, signal, this.nanny)}`;
    if (invocation && !this.running) {
      // Init failed: the invocation waiting for it gets the reason, as on AWS.
      const id = invocation.requestId;
      const error = memory ? null : (this.initError ?? this.fatal);
      const errorType = error?.errorType ?? (memory ? "Runtime.OutOfMemory" : "Runtime.ExitError");
      // A runtime that could not start at all is reported with the request id, as AWS does.
      const errorMessage = this.cannotStart ? `RequestId: ${id} Error: ${error!.errorMessage}` : (error?.errorMessage ?? reason(id));
      this.log.begin(id);
      this.log.line(`START RequestId: ${id} Version: ${this.spec.functionVersion}`);
      this.log.line(`${this.options.now()}\t${id}\tERROR\t${`${errorType}: ${errorMessage}`.replace(/\n/g, "\r")}`);
      this.log.print(`${errorType}: ${errorMessage}`);
      this.started = performance.now();
      const document = error?.document;
      this.complete(
        { ok: false, functionError: "Unhandled", errorType, errorMessage, trace: error?.trace ?? [], timedOut: false, log: "", ...(document !== undefined ? { document } : {}) },
        "error",
        errorType,
      );
    } else if (invocation) {
      const fatal = memory ? null : this.fatal;
      if (fatal) {
        this.logError(fatal);
        this.complete(
          { ok: false, functionError: "Unhandled", errorType: fatal.errorType, errorMessage: fatal.errorMessage, trace: fatal.trace, timedOut: false, log: "" },
          "error",
          fatal.errorType,
        );
      } else {
        const id = invocation.requestId;
        const errorType = memory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        this.log.line(`${this.options.now()}\t${id}\tERROR\t${reason(id)}\r${errorType}`);
        this.log.print(reason(id));
        this.complete({ ok: false, functionError: "Unhandled", errorType, errorMessage: reason(id), trace: [], timedOut: false, log: "" }, "error", errorType);
      }
    } else if (wasLive && this.killedFor === null) {
      this.options.logger.warn(`[${this.spec.functionName}] execution environment ended: ${exitReason(code, signal, this.nanny)}`);
    }
    this.events.gone(this);
  }

  private complete(outcome: RunOutcome, status: "success" | "error" | "timeout", errorType?: string): void {
    const invocation = this.current;
    if (!invocation) return;
    this.current = null;
    this.running = false;
    this.state = this.state === "busy" && this.killedFor === null ? "idle" : "dead";
    const id = invocation.requestId;
    const ms = performance.now() - this.started;
    this.peak = Math.max(this.peak, this.killedFor === "memory" ? this.options.memoryLimitBytes : 0);
    this.log.markTruncation(this.options.now());
    this.log.line(`END RequestId: ${id}`);
    let report = `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${this.spec.memorySize} MB\tMax Memory Used: ${Math.ceil(this.peak / 1048576)} MB\t`;
    if (this.initDuration !== null) {
      report += `Init Duration: ${this.initDuration.toFixed(2)} ms\t`;
      this.initDuration = null;
    }
    if (status === "timeout") report += "Status: timeout";
    else if (status === "error" && errorType) report += `Status: error\tError Type: ${errorType}`;
    this.log.line(report);
    const { tail } = this.log.end();
    invocation.finish({ ...outcome, log: tail });
    if (this.state === "idle") this.events.ready(this);
  }
}

function responseTooLarge(limit: number): RunOutcome {
  return {
    ok: false,
    functionError: "Unhandled",
    errorType: "Function.ResponseSizeTooLarge",
    errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`,
    trace: [],
    timedOut: false,
    log: "",
  };
}
