import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "../core/logger.js";
import { EnvironmentLog, type LogLimits } from "./logs.js";
import { childrenOf, processMemorySupported, treeResidentBytes } from "./memory.js";
import type { Timers } from "./timers.js";

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
  | { type: "init-error"; errorType: string; errorMessage: string; trace: string[] }
  | { type: "result"; requestId: string }
  | { type: "error"; requestId: string | null; errorType: string; errorMessage: string; trace: string[]; unhandled: boolean; fatal?: boolean };

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
  private readonly child: ChildProcess;
  private readonly channel: Writable & Readable;
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

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly options: EnvironmentOptions,
    /** ready: init done, or an invocation done (the environment may be idle); gone: it exited. */
    private readonly events: { ready(env: ExecutionEnvironment): void; gone(env: ExecutionEnvironment): void },
  ) {
    this.log = new EnvironmentLog(spec.functionName, options.logger, options.log);
    this.initStarted = performance.now();
    const semiSpace = Math.max(1, Math.floor((spec.memorySize * 5) / 100));
    const oldSpace = Math.max(16, Math.floor(options.memoryLimitBytes / 1048576));
    // As AWS's Node.js bootstrap: the young generation at 5% of the memory size, and the heap
    // limit at the environment's limit (so that the resident-set watch, not V8, ends a runaway
    // heap, as AWS's sandbox does: "signal: killed").
    const node = [process.execPath, "--expose-gc", "--max-http-header-size=81920", `--max-semi-space-size=${semiSpace}`, `--max-old-space-size=${oldSpace}`, BOOTSTRAP];
    const env = { ...spec.env, AWS_LAMBDA_LOG_STREAM_NAME: options.logStreamName };
    this.nanny = NANNY !== "none";
    const stdio: ("ignore" | "pipe")[] = ["ignore", "pipe", "pipe", "pipe"];
    this.child =
      NANNY === "job"
        ? spawn("/bin/bash", ["-c", NANNY_JOB, "rekognito-lambda", ...node], { env, cwd: spec.codeDir, stdio })
        : NANNY === "session"
          ? spawn("/bin/sh", ["-c", NANNY_SESSION, "rekognito-lambda", ...node], { env, cwd: spec.codeDir, stdio, detached: true })
          : spawn(node[0]!, node.slice(1), { env, cwd: spec.codeDir, stdio, detached: true });
    if (NANNY !== "job") this.runtimePid = NANNY === "none" ? (this.child.pid ?? null) : null;
    this.channel = this.child.stdio[3] as Writable & Readable;
    let exited!: () => void;
    this.exited = new Promise((resolve) => (exited = resolve));
    this.child.once("exit", (code, signal) => {
      exited();
      setImmediate(() => this.onExit(code, signal));
    });
    this.child.once("error", (error) => {
      options.logger.error(`[${spec.functionName}] could not start its runtime: ${error.message}`);
      // Never started (no shell, no node): no exit will come, so end it here as "not found".
      if (this.child.pid === undefined) {
        exited();
        setImmediate(() => this.onExit(127, null));
      }
    });
    this.child.stdout!.on("data", (chunk: Buffer) => this.log.output("stdout", chunk));
    this.child.stderr!.on("data", (chunk: Buffer) => this.log.output("stderr", chunk));
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
    });
    this.initTimer = options.timers.set(() => this.onInitTimeout(), options.initTimeoutMs);
    track(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resident bytes of the runtime and what it started (the nanny shell excluded). */
  residentBytes(): number {
    if (!processMemorySupported || !this.child.pid) return 0;
    const pid = this.runtimePid ?? (this.nanny ? childrenOf(this.child.pid)[0] : this.child.pid);
    return pid ? treeResidentBytes(pid) : 0;
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
    const pid = this.child.pid;
    if (!pid) return;
    const targets = NANNY === "job" ? [this.runtimePid === null ? null : -this.runtimePid, pid] : NANNY === "session" ? [-pid] : [pid];
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
    this.send(
      {
        type: "invoke",
        requestId: invocation.requestId,
        deadlineMs: Date.now() + invocation.remainingMs(),
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
        this.options.timers.clear(this.initTimer);
        this.initDuration = performance.now() - this.initStarted;
        this.initMs = this.initDuration;
        if (this.state !== "init") return;
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
          this.logError(message);
          this.complete(
            {
              ok: false,
              functionError: message.unhandled ? "Unhandled" : "Handled",
              errorType: message.errorType,
              errorMessage: message.errorMessage,
              trace: message.trace,
              timedOut: false,
              log: "",
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
      const errorMessage = error?.errorMessage ?? reason(id);
      this.log.begin(id);
      this.log.line(`START RequestId: ${id} Version: ${this.spec.functionVersion}`);
      this.log.line(`${this.options.now()}\t${id}\tERROR\t${`${errorType}: ${errorMessage}`.replace(/\n/g, "\r")}`);
      this.log.print(`${errorType}: ${errorMessage}`);
      this.started = performance.now();
      this.complete({ ok: false, functionError: "Unhandled", errorType, errorMessage, trace: error?.trace ?? [], timedOut: false, log: "" }, "error", errorType);
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
