import { Worker } from "node:worker_threads";
import type { Logger } from "../core/logger.js";

/** What a worker needs to run one function (fixed for the worker's life). */
export interface WorkerSpec {
  functionName: string;
  functionVersion: string;
  codeDir: string;
  handler: string;
  memorySize: number;
  logGroupName: string;
  /** The whole process.env of the worker. */
  env: Record<string, string>;
}

export interface RunRequest {
  requestId: string;
  /** The event as JSON text. */
  payload: string;
  timeoutMs: number;
  invokedFunctionArn: string;
  clientContext?: unknown;
}

/** How an invocation ended, with what it printed (AWS's log lines, START to REPORT). */
export type RunOutcome =
  | { ok: true; payload: string; log: string }
  | {
      ok: false;
      /** Handled: the handler threw or rejected. Unhandled: init failure, crash, exit or timeout. */
      functionError: "Handled" | "Unhandled";
      errorType: string;
      errorMessage: string;
      trace: string[];
      timedOut: boolean;
      log: string;
    };

export interface RunnerOptions {
  logger: Logger;
  /** ISO time of now, from the injected clock. */
  now: () => string;
  /** A fresh log stream name for a new worker. */
  logStreamName: () => string;
  /** Most workers (execution environments) one function may keep; more invocations queue. */
  maxWorkersPerFunction: number;
}

/** A queued invocation whose function was deleted before it ran. */
const RETIRED = (requestId: string): RunOutcome => ({
  ok: false,
  functionError: "Unhandled",
  errorType: "Runtime.ExitError",
  errorMessage: `RequestId: ${requestId} Error: Runtime exited without providing a reason`,
  trace: [],
  timedOut: false,
  log: "",
});

/** How long AWS lets a function's init phase (loading its code) run: 10 seconds. */
export const INIT_TIMEOUT_MS = 10_000;

const BOOTSTRAP = new URL("./runtime/bootstrap.mjs", import.meta.url);

interface Pending {
  request: RunRequest;
  resolve: (outcome: RunOutcome) => void;
}

type WorkerMessage =
  | { type: "started"; requestId: string }
  | { type: "log"; requestId: string | null; level: string; text: string }
  | { type: "result"; requestId: string; payload: string }
  | { type: "error"; requestId: string | null; errorType: string; errorMessage: string; trace: string[]; unhandled: boolean; fatal?: boolean };

/** One execution environment: a worker thread that runs one invocation at a time. */
class ExecutionEnvironment {
  readonly worker: Worker;
  readonly logStreamName: string;
  busy: Pending | null = null;
  dead = false;
  private log: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private started = 0;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly options: RunnerOptions,
    private readonly onFree: (env: ExecutionEnvironment) => void,
  ) {
    this.logStreamName = options.logStreamName();
    this.worker = new Worker(BOOTSTRAP, {
      env: { ...spec.env, AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName },
      workerData: {
        functionName: spec.functionName,
        functionVersion: spec.functionVersion,
        codeDir: spec.codeDir,
        handler: spec.handler,
        memorySize: spec.memorySize,
        logGroupName: spec.logGroupName,
        logStreamName: this.logStreamName,
      },
      stdout: true,
      stderr: true,
    });
    this.worker.unref();
    this.worker.on("message", (m: WorkerMessage) => this.onMessage(m));
    this.worker.on("error", (error) => this.onCrash(null, error));
    this.worker.on("exit", (code) => this.onCrash(code, null));
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.print(this.busy?.request.requestId ?? null, "INFO", line, false);
      });
    }
  }

  run(pending: Pending): void {
    this.busy = pending;
    this.log = [];
    this.started = performance.now();
    const { request } = pending;
    this.log.push(`START RequestId: ${request.requestId} Version: ${this.spec.functionVersion}`);
    // Loading the code (the init phase) has its own budget, as on AWS; the function's timeout
    // starts when the worker says the handler is loaded.
    this.timer = setTimeout(() => this.onTimeout(), Math.max(INIT_TIMEOUT_MS, request.timeoutMs));
    this.worker.postMessage({
      type: "invoke",
      requestId: request.requestId,
      payload: request.payload,
      timeoutMs: request.timeoutMs,
      invokedFunctionArn: request.invokedFunctionArn,
      clientContext: request.clientContext,
    });
  }

  /** Ends the worker now (a replaced configuration, a timeout, the stack closing). */
  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private print(requestId: string | null, level: string, text: string, formatted = true): void {
    const tag = `[${this.spec.functionName}${requestId ? ` ${requestId}` : ""}]`;
    for (const line of text.split("\n")) this.options.logger.info(`${tag} ${line}`);
    if (this.busy && requestId === this.busy.request.requestId) {
      this.log.push(formatted ? `${this.options.now()}\t${requestId}\t${level}\t${text}` : text);
    }
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === "log") {
      this.print(message.requestId, message.level, message.text);
      return;
    }
    if (message.type === "started") {
      if (this.busy && message.requestId === this.busy.request.requestId) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.onTimeout(), this.busy.request.timeoutMs);
      }
      return;
    }
    if (message.type === "error" && message.fatal) {
      // The worker exits right after this message: never hand it another invocation.
      this.dead = true;
    }
    if (!this.busy || message.requestId !== this.busy.request.requestId) {
      if (message.type === "error") {
        this.print(message.requestId, "ERROR", `${message.errorType}: ${message.errorMessage}`);
      }
      return;
    }
    if (message.type === "result") {
      this.complete({ ok: true, payload: message.payload, log: "" });
    } else {
      if (message.unhandled) {
        this.print(message.requestId, "ERROR", `${message.errorType}: ${message.errorMessage}`);
      } else {
        this.print(message.requestId, "ERROR", `Invoke Error \t${JSON.stringify({ errorType: message.errorType, errorMessage: message.errorMessage, stack: message.trace })}`);
      }
      this.complete({
        ok: false,
        functionError: message.unhandled ? "Unhandled" : "Handled",
        errorType: message.errorType,
        errorMessage: message.errorMessage,
        trace: message.trace,
        timedOut: false,
        log: "",
      });
    }
  }

  private onTimeout(): void {
    if (!this.busy) return;
    const id = this.busy.request.requestId;
    const seconds = (this.busy.request.timeoutMs / 1000).toFixed(2);
    this.kill();
    const message = `RequestId: ${id} Error: Task timed out after ${seconds} seconds`;
    this.log.push(`${this.options.now()} ${id} Task timed out after ${seconds} seconds`);
    this.options.logger.warn(`[${this.spec.functionName} ${id}] Task timed out after ${seconds} seconds`);
    this.complete({ ok: false, functionError: "Unhandled", errorType: "Sandbox.Timedout", errorMessage: message, trace: [], timedOut: true, log: "" });
  }

  private onCrash(code: number | null, error: Error | null): void {
    const wasDead = this.dead;
    this.dead = true;
    if (!this.busy) {
      if (!wasDead && error) this.options.logger.error(`[${this.spec.functionName}] worker failed: ${error.stack ?? error.message}`);
      this.onFree(this);
      return;
    }
    const id = this.busy.request.requestId;
    const reason =
      error !== null
        ? `Runtime exited with error: ${error.message}`
        : code === 0
          ? "Runtime exited without providing a reason"
          : `Runtime exited with error: exit status ${code}`;
    this.print(id, "ERROR", `RequestId: ${id} Error: ${reason}`);
    this.complete({
      ok: false,
      functionError: "Unhandled",
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${id} Error: ${reason}`,
      trace: [],
      timedOut: false,
      log: "",
    });
  }

  private complete(outcome: RunOutcome): void {
    const pending = this.busy;
    if (!pending) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.busy = null;
    const id = pending.request.requestId;
    const ms = performance.now() - this.started;
    this.log.push(`END RequestId: ${id}`);
    this.log.push(
      `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${this.spec.memorySize} MB\tMax Memory Used: ${Math.ceil(process.memoryUsage().rss / 1048576)} MB\t`,
    );
    pending.resolve({ ...outcome, log: `${this.log.join("\n")}\n` });
    this.log = [];
    this.onFree(this);
  }
}

/** The execution environments of one function and the invocations waiting for one. */
class FunctionPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly queue: Pending[] = [];

  constructor(
    private readonly spec: WorkerSpec,
    private readonly options: RunnerOptions,
  ) {}

  submit(pending: Pending): void {
    this.queue.push(pending);
    this.dispatch();
  }

  private closed = false;

  private dispatch(): void {
    while (this.queue.length && !this.closed) {
      let env = [...this.environments].find((e) => !e.busy && !e.dead);
      if (!env) {
        if (this.environments.size >= this.options.maxWorkersPerFunction) return;
        env = new ExecutionEnvironment(this.spec, this.options, (e) => this.onFree(e));
        this.environments.add(env);
      }
      env.run(this.queue.shift()!);
    }
  }

  private onFree(env: ExecutionEnvironment): void {
    if (env.dead) this.environments.delete(env);
    this.dispatch();
  }

  get size(): number {
    return this.environments.size;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Ends idle workers now and busy ones after their invocation; queued invocations move to `next`. */
  retire(next: FunctionPool | null): void {
    const queued = this.queue.splice(0);
    for (const env of [...this.environments]) {
      if (!env.busy) {
        env.kill();
        this.environments.delete(env);
      }
    }
    for (const pending of queued) {
      if (next) next.submit(pending);
      else pending.resolve(RETIRED(pending.request.requestId));
    }
  }

  /** Called by the runner when a retiring pool's busy workers finish. */
  sweep(): void {
    for (const env of [...this.environments]) {
      if (!env.busy) {
        env.kill();
        this.environments.delete(env);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve(RETIRED(pending.request.requestId));
    const all = [...this.environments];
    this.environments.clear();
    for (const env of all) env.dead = true;
    await Promise.all(all.map((e) => e.worker.terminate()));
  }
}

/**
 * Runs functions in worker threads: per function a pool of warm execution environments (one
 * invocation at a time each, as on AWS), grown on demand up to maxWorkersPerFunction.
 * A worker that times out, crashes or exits is dropped and a new one starts on the next call.
 */
export class Runner {
  private readonly pools = new Map<string, { key: string; pool: FunctionPool }>();
  private readonly retired = new Set<FunctionPool>();

  constructor(private readonly options: RunnerOptions) {}

  /** `key` identifies the configuration: a different key replaces the function's workers. */
  run(key: string, spec: WorkerSpec, request: RunRequest): Promise<RunOutcome> {
    let entry = this.pools.get(spec.functionName);
    if (!entry || entry.key !== key) {
      const pool = new FunctionPool(spec, this.options);
      if (entry) this.retire(entry.pool, pool);
      entry = { key, pool };
      this.pools.set(spec.functionName, entry);
    }
    const pool = entry.pool;
    return new Promise<RunOutcome>((resolve) => {
      pool.submit({
        request,
        resolve: (outcome) => {
          resolve(outcome);
          this.sweepRetired();
        },
      });
    });
  }

  /** Drops a function's workers (deleted, or its code changed on disk). */
  reset(functionName: string): void {
    const entry = this.pools.get(functionName);
    if (!entry) return;
    this.pools.delete(functionName);
    this.retire(entry.pool, null);
  }

  stats(): Record<string, { workers: number; waiting: number }> {
    return Object.fromEntries([...this.pools].map(([name, e]) => [name, { workers: e.pool.size, waiting: e.pool.waiting }]));
  }

  async close(): Promise<void> {
    const pools = [...[...this.pools.values()].map((e) => e.pool), ...this.retired];
    this.pools.clear();
    this.retired.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private retire(pool: FunctionPool, next: FunctionPool | null): void {
    pool.retire(next);
    if (pool.size) this.retired.add(pool);
  }

  private sweepRetired(): void {
    for (const pool of this.retired) {
      pool.sweep();
      if (!pool.size) this.retired.delete(pool);
    }
  }
}
