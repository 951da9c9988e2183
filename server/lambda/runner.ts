/**
 * Runs functions in execution environments that are processes of their own, as AWS runs them in
 * sandboxes: per function a pool of warm environments (one invocation at a time each), grown when
 * a queue would outlast an init and the machine has a core to spare (FunctionPool.worthANewOne)
 * up to maxEnvironmentsPerFunction; invocations wait in a queue meanwhile, their timeouts running
 * from the moment the caller started waiting.
 *
 * Why processes and not worker threads (measured on the project's 2-core machine, Node 20):
 *   - isolation: in a worker thread a handler shares the server's pid, so process.kill(process.pid),
 *     process.abort(), a signal to the server or a native crash end the whole emulator; a worker's
 *     resourceLimits bound only its V8 heap, not Buffers, so 2 GB of them land in the server's
 *     memory. A process can only end itself: its parent is a nanny shell (process.kill(process.ppid)
 *     ends the environment), its process group is its own, and its memory is its own, watched from
 *     here and ended at the function's MemorySize as AWS's sandbox ends it (Runtime.OutOfMemory).
 *   - memory: an idle environment holding the AWS SDK is ~30 MB more of the server's RSS as a
 *     thread, ~70 MB RSS (~37 MB PSS, the node binary's pages being shared) as a process; with tsx
 *     for a TypeScript handler ~+30 MB either way. More per environment, none of it in the server.
 *   - latency: a warm invoke over the environment's channel (frames on a socket pair) costs
 *     ~0.05 ms p50 against ~0.02 ms for a thread's postMessage, and ~0.3-0.5 ms for the Lambda
 *     Runtime API over loopback HTTP (hence the channel for Node.js; the HTTP Runtime API is for
 *     runtimes that need it). Invisible next to a sign-in's ~10 ms.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "../core/logger.js";
import { ExecutionEnvironment, type EnvironmentSpec, type Invocation, type RunOutcome } from "./environment.js";
import { realTimers, type Timers } from "../core/timers.js";
import { CpuLoad, type CpuMeter, type CpuReading } from "./cpu.js";

export type { EnvironmentSpec, RunOutcome } from "./environment.js";

export interface RunRequest {
  requestId: string;
  /** The event as JSON text. */
  payload: string;
  /**
   * The function's timeout, ms, counted from the call: time spent waiting for an environment
   * counts, loading the code of a new one (the init phase, 10 s of its own) does not.
   */
  timeoutMs: number;
  /**
   * The caller stops waiting this many ms after the call, whatever is happening: a queue, an
   * init, the handler (Cognito's 5 s socket timeout). Its timeout is reported as timedOut "caller".
   */
  callerTimeoutMs?: number;
  invokedFunctionArn: string;
  clientContext?: unknown;
  /** The X-Ray trace header the function's environment gets for this invocation (_X_AMZN_TRACE_ID). */
  traceId?: string;
}

export interface RunnerOptions {
  logger: Logger;
  /** ISO time of now, from the injected clock. */
  now: () => string;
  /** A fresh log stream name for a new environment of this version ("$LATEST", "3"). */
  logStreamName: (version: string) => string;
  /** Most environments one function may keep; more invocations queue. */
  maxEnvironmentsPerFunction: number;
  /** Most environments the whole stack may keep (idle ones of other functions make way). Default: no limit. */
  maxEnvironments?: number;
  /** How long an environment stays idle before it is reclaimed, ms (on `timers`). Default: never. */
  idleMs?: number;
  /** What an environment may hold beyond its MemorySize (the runtime's own share), MB. */
  memoryAllowanceMb: number;
  /** Largest response, bytes (AWS: 6291556). */
  maxResponseBytes: number;
  /** Bytes of a handler's output printed to the server log per invocation. */
  printedLogBytesPerInvocation: number;
  /** Deadlines run on these (default: real timers). */
  timers?: Timers;
  /** How long loading the code may take (AWS: 10 s). */
  initTimeoutMs?: number;
  /** How busy the machine's cores are, and with the stack's own work (default: read from /proc). */
  cpu?: CpuMeter;
}

/** How long AWS lets a function's init phase (loading its code) run: 10 seconds. */
export const INIT_TIMEOUT_MS = 10_000;

/** What an init is taken to cost before this function has had one measured, ms. */
const DEFAULT_INIT_MS = 1000;
/** How often a declined scale-up is reconsidered while invocations wait, ms. */
const RECHECK_MS = 100;
/** The server's event-loop utilisation above which no new environment is started for a queue. */
const BUSY_SERVER = 0.5;
/**
 * No new environment is started for a queue while less than this much of a core was idle lately
 * (summed over the machine's cores) and at least this share of the machine was the stack's own
 * work (the server, its engine and environments): an init, about a core's worth of CPU for a
 * while, would only take it from the invocations the stack is running.
 */
const SATURATED_IDLE_CORES = 0.5;
const SATURATED_OWN = 0.5;

/** How often a running (or loading) environment's memory is read, ms; an idle one's. */
const SAMPLE_MS = 10;
const IDLE_SAMPLE_MS = 500;
/** The server's load is measured over about this long, ms. */
const LOAD_MS = 250;

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

interface Pending {
  request: RunRequest;
  resolve: (outcome: RunOutcome) => void;
  /** Done with: run to its end, or out of the queue. */
  settled: boolean;
  /** The caller has its answer (it may have stopped waiting while the invocation runs on). */
  answered: boolean;
  invocation: Invocation;
  env: ExecutionEnvironment | null;
  /** What is left of the function's timeout when its clock last stopped or started. */
  remaining: number;
  /** When the function's clock last started (timers' scale); null while stopped (an init). */
  runningSince: number | null;
  functionTimer: unknown;
  callerTimer: unknown;
  submitted: number;
  /** When an environment began running it (performance.now()). */
  startedAt: number;
}

/** The execution environments of one function and the invocations waiting for one. */
class FunctionPool {
  readonly environments = new Set<ExecutionEnvironment>();
  private readonly queue: Pending[] = [];
  /** Invocations bound to an environment still in its init (oldest first). */
  private readonly coldWaiting = new Set<Pending>();
  /** Invocations running in an environment. */
  private readonly running = new Set<Pending>();
  /** This function's average run and init, ms (real time: they estimate work, not deadlines). */
  private runMs: number | null = null;
  private initMs: number | null = null;
  private readonly measuredInit = new WeakSet<ExecutionEnvironment>();
  private recheck: unknown = null;
  private closed = false;

  /** When each environment last finished (or began) its work, for the stack's least-recently-used choice. */
  readonly lastUsed = new Map<ExecutionEnvironment, number>();
  private readonly idleTimers = new Map<ExecutionEnvironment, unknown>();
  /** Most environments this pool may have (the function's reserved concurrency, or the per-function cap). */
  limit: number;

  constructor(
    readonly id: string,
    private readonly spec: EnvironmentSpec,
    private readonly options: RunnerOptions & { timers: Timers },
    private readonly onChange: () => void,
    /** The server's event-loop utilisation lately (0-1). */
    private readonly serverLoad: () => number,
    /** Whether the machine's cores have been all busy with the stack's own work since `since` (performance.now()); null: not measured yet. */
    private readonly saturated: (since: number) => boolean | null,
    /** The stack's say on one more environment: true when there is room (an idle one elsewhere may be reclaimed for it). */
    private readonly room: (pool: FunctionPool) => boolean,
  ) {
    this.limit = options.maxEnvironmentsPerFunction;
  }

  submit(request: RunRequest, resolve: (outcome: RunOutcome) => void): void {
    const timers = this.options.timers;
    const pending: Pending = {
      request,
      resolve,
      settled: false,
      answered: false,
      env: null,
      remaining: request.timeoutMs,
      runningSince: timers.now(),
      functionTimer: null,
      callerTimer: null,
      submitted: performance.now(),
      startedAt: 0,
      invocation: null as unknown as Invocation,
    };
    pending.invocation = {
      requestId: request.requestId,
      payload: request.payload,
      invokedFunctionArn: request.invokedFunctionArn,
      clientContext: request.clientContext,
      traceId: request.traceId,
      remainingMs: () => this.remaining(pending),
      started: () => this.resume(pending),
      finish: (outcome) => this.settle(pending, outcome),
    };
    // The caller's timer first: when both end together (a trigger whose Timeout is Cognito's
    // 5 s), the caller gives up first, as on AWS, where its clock started before Lambda's.
    if (request.callerTimeoutMs !== undefined) {
      pending.callerTimer = timers.set(() => this.expire(pending, "caller"), request.callerTimeoutMs);
    }
    pending.functionTimer = timers.set(() => this.expire(pending, "function"), request.timeoutMs);
    this.queue.push(pending);
    this.dispatch();
  }

  get size(): number {
    return this.environments.size;
  }

  get busy(): number {
    let n = 0;
    for (const env of this.environments) if (env.current) n++;
    return n;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Hands waiting invocations to environments: an idle one takes the oldest waiting, or else one
   * still waiting for a cold environment's init (a warm environment that frees up in
   * milliseconds beats an init of a second: the cold one then stays, warm, for the next call).
   * With none idle, a new environment starts only when it is worth it (see worthANewOne).
   */
  private dispatch(): void {
    if (this.closed) this.sweep();
    while (!this.closed) {
      let idle: ExecutionEnvironment | undefined;
      for (const e of this.environments) if (e.state === "idle" && !e.current) idle = e;
      if (idle) {
        const pending = this.queue.shift() ?? this.steal();
        if (!pending) {
          for (const e of this.idleOnes()) this.sleepLater(e);
          return;
        }
        pending.env = idle;
        this.wake(idle);
        idle.run(pending.invocation);
        // The memory watch reads running environments often: wake it if it sleeps long.
        this.onChange();
        continue;
      }
      if (!this.queue.length || !this.worthANewOne() || !this.room(this)) return;
      // A cold start: the invocation waits for this environment's init, its own clock stopped
      // (AWS does not count the init phase against the function's timeout).
      const pending = this.queue.shift()!;
      const created = this.create();
      this.pause(pending);
      pending.env = created;
      this.coldWaiting.add(pending);
      created.run(pending.invocation);
    }
  }

  /**
   * Whether waiting invocations should get a new environment rather than wait for a busy one.
   * AWS starts one per concurrent invocation; on a laptop's two cores that is the slowest thing
   * to do: an init costs about a second of CPU (node, tsx, the SDK) that the running functions
   * and the server then lack (measured, 50 concurrent face sign-ins under load: 2.2 s with one
   * environment per function, 7.7-9.8 s and Cognito timeouts with four started eagerly). So a new
   * one starts when there is none, or when the queue would take longer to drain through the
   * environments there are than a new one takes to load (estimated from this function's own
   * inits and runs) and neither the server nor the machine's CPU is the bottleneck (cores all
   * busy, mostly with the stack's own work: 16 concurrent face sign-ins here started a fourth
   * environment whose ~80 MB and init bought no sign-ins a second), one init at a time, up to
   * maxEnvironmentsPerFunction. Until then the question is asked again every RECHECK_MS while
   * invocations wait.
   */
  private worthANewOne(): boolean {
    const live = this.live();
    if (live === 0) return true;
    if (live >= this.limit || this.initializing() > 0) return false;
    const now = performance.now();
    // How long a run takes: the average so far, or at least what the oldest running one has taken.
    let perRun = this.runMs ?? 0;
    for (const pending of this.running) perRun = Math.max(perRun, now - pending.startedAt);
    const drain = (this.queue.length * perRun) / live;
    // A busy server means the functions wait on it (their SDK calls come back here), and cores all
    // busy with the stack's work mean the queue is waiting for CPU, not for an environment:
    // either way another environment would only add an init's CPU to the load.
    // The machine's load is asked of a reading taken since the oldest invocation began waiting: at
    // the start of a burst the last one still shows the quieter time before it.
    if (drain > (this.initMs ?? DEFAULT_INIT_MS) && this.serverLoad() < BUSY_SERVER && this.saturated(this.queue[0]?.submitted ?? now) === false) return true;
    if (this.recheck === null) {
      this.recheck = this.options.timers.set(() => {
        this.recheck = null;
        this.dispatch();
      }, RECHECK_MS);
    }
    return false;
  }

  /** The oldest invocation waiting for an init, taken from the environment that inits. */
  private steal(): Pending | undefined {
    for (const pending of this.coldWaiting) {
      this.coldWaiting.delete(pending);
      if (pending.settled || !pending.env || pending.env.state !== "init" || pending.env.current !== pending.invocation) continue;
      pending.env.release(pending.invocation);
      return pending;
    }
    return undefined;
  }

  private initializing(): number {
    let n = 0;
    for (const e of this.environments) if (e.state === "init") n++;
    return n;
  }

  private live(): number {
    let n = 0;
    for (const e of this.environments) if (e.state !== "dead") n++;
    return n;
  }

  /**
   * An idle environment is reclaimed after options.idleMs with nothing to do, as AWS reclaims
   * idle sandboxes (its next invocation is a cold start again, Init Duration and all).
   */
  private sleepLater(env: ExecutionEnvironment): void {
    if (this.lastUsed.has(env)) return;
    this.lastUsed.set(env, this.options.timers.now());
    if (this.options.idleMs === undefined) return;
    this.idleTimers.set(
      env,
      this.options.timers.set(() => {
        this.idleTimers.delete(env);
        if (env.state !== "idle" || env.current) return;
        this.options.logger.debug?.(`[${this.spec.functionName}] execution environment reclaimed after ${(this.options.idleMs! / 1000).toFixed(0)} s idle`);
        this.reclaim(env);
      }, this.options.idleMs),
    );
  }

  private wake(env: ExecutionEnvironment): void {
    this.lastUsed.delete(env);
    const timer = this.idleTimers.get(env);
    if (timer !== undefined) {
      this.options.timers.clear(timer);
      this.idleTimers.delete(env);
    }
  }

  /** Ends an idle environment now (its idle period is over, or the stack needs its place). */
  reclaim(env: ExecutionEnvironment): void {
    this.wake(env);
    this.lastUsed.delete(env);
    this.environments.delete(env);
    env.kill("close");
    this.onChange();
  }

  /** This pool's idle environments. */
  idleOnes(): ExecutionEnvironment[] {
    return [...this.environments].filter((e) => e.state === "idle" && !e.current);
  }

  /** Starts an environment ahead of an invocation when there is none (Runner.prepare). */
  prepare(): void {
    if (this.closed || this.live() > 0 || !this.room(this)) return;
    this.create();
  }

  /** Asks again for an environment (the stack found room). */
  retry(): void {
    this.dispatch();
  }

  private create(): ExecutionEnvironment {
    const env = new ExecutionEnvironment(
      this.spec,
      {
        logger: this.options.logger,
        timers: this.options.timers,
        now: this.options.now,
        logStreamName: this.options.logStreamName(this.spec.functionVersion),
        memoryLimitBytes: (this.spec.memorySize + this.options.memoryAllowanceMb) * 1048576,
        maxResponseBytes: this.options.maxResponseBytes,
        log: { printedBytesPerInvocation: this.options.printedLogBytesPerInvocation },
        initTimeoutMs: this.options.initTimeoutMs ?? INIT_TIMEOUT_MS,
      },
      {
        ready: (e) => {
          if (e.initMs !== null && !this.measuredInit.has(e)) {
            this.measuredInit.add(e);
            this.initMs = this.initMs === null ? e.initMs : (this.initMs + e.initMs) / 2;
          }
          this.dispatch();
          // Another function may be waiting for the stack to have room: this one may now be idle.
          if (e.state === "idle" && !e.current) this.onChange();
        },
        gone: (e) => {
          this.wake(e);
          this.lastUsed.delete(e);
          this.environments.delete(e);
          this.onChange();
          this.dispatch();
        },
      },
    );
    this.environments.add(env);
    this.onChange();
    return env;
  }

  private remaining(pending: Pending): number {
    if (pending.runningSince === null) return pending.remaining;
    return Math.max(0, pending.remaining - (this.options.timers.now() - pending.runningSince));
  }

  private pause(pending: Pending): void {
    if (pending.runningSince === null) return;
    pending.remaining = this.remaining(pending);
    pending.runningSince = null;
    this.options.timers.clear(pending.functionTimer);
  }

  private resume(pending: Pending): void {
    this.coldWaiting.delete(pending);
    pending.startedAt = performance.now();
    this.running.add(pending);
    if (pending.runningSince !== null || pending.settled) return;
    pending.runningSince = this.options.timers.now();
    pending.functionTimer = this.options.timers.set(() => this.expire(pending, "function"), pending.remaining);
  }

  private expire(pending: Pending, kind: "function" | "caller"): void {
    if (pending.settled || (kind === "caller" && pending.answered)) return;
    const ms = kind === "function" ? pending.request.timeoutMs : pending.request.callerTimeoutMs!;
    const seconds = (ms / 1000).toFixed(2);
    const env = pending.env;
    if (env && env.current === pending.invocation) {
      if (env.state === "busy") {
        if (kind === "function") {
          env.timeout("function", seconds);
          return;
        }
        // The caller stops waiting; the function does not stop (on AWS it runs on after
        // Cognito's socket timeout, up to its own Timeout). Killing it here would also throw
        // away a warm environment just when the stack is too busy to start another.
        this.options.logger.warn(
          `[${this.spec.functionName} ${pending.request.requestId}] the caller stopped waiting after ${seconds} seconds; the invocation runs on, up to its Timeout`,
        );
        this.answer(pending, this.timedOut(pending, kind, seconds));
        return;
      }
      // Still waiting for its environment's init: that environment stays for the next call.
      env.release(pending.invocation);
    } else {
      const at = this.queue.indexOf(pending);
      if (at >= 0) this.queue.splice(at, 1);
    }
    this.options.logger.warn(
      `[${this.spec.functionName} ${pending.request.requestId}] Task timed out after ${seconds} seconds, waiting for an execution environment (${this.busy} of ${this.limit} busy)`,
    );
    this.settle(pending, this.timedOut(pending, kind, seconds));
  }

  /** The outcome of an invocation whose timeout passed before it ended (or began). */
  private timedOut(pending: Pending, kind: "function" | "caller", seconds: string): RunOutcome {
    const id = pending.request.requestId;
    const ms = performance.now() - pending.submitted;
    const log = [
      `START RequestId: ${id} Version: ${this.spec.functionVersion}`,
      `${this.options.now()} ${id} Task timed out after ${seconds} seconds`,
      `END RequestId: ${id}`,
      `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${this.spec.memorySize} MB\tMax Memory Used: 0 MB\tStatus: timeout`,
    ];
    return {
      ok: false,
      functionError: "Unhandled",
      errorType: "Sandbox.Timedout",
      errorMessage: `RequestId: ${id} Error: Task timed out after ${seconds} seconds`,
      trace: [],
      timedOut: kind,
      log: `${log.join("\n")}\n`,
    };
  }

  /** Gives the caller its answer, once. */
  private answer(pending: Pending, outcome: RunOutcome): void {
    if (pending.answered) return;
    pending.answered = true;
    pending.resolve(outcome);
  }

  /** Done with an invocation: its timers stop, and its caller has an answer if it still waits. */
  private settle(pending: Pending, outcome: RunOutcome): void {
    if (pending.settled) return;
    pending.settled = true;
    this.coldWaiting.delete(pending);
    if (this.running.delete(pending)) {
      const ms = performance.now() - pending.startedAt;
      this.runMs = this.runMs === null ? ms : this.runMs * 0.8 + ms * 0.2;
    }
    this.options.timers.clear(pending.functionTimer);
    this.options.timers.clear(pending.callerTimer);
    this.answer(pending, outcome);
  }

  /** Ends idle environments now and busy ones after their invocation; queued invocations move to `next`. */
  retire(next: FunctionPool | null): void {
    this.closed = true;
    this.options.timers.clear(this.recheck);
    const queued = this.queue.splice(0);
    this.sweep();
    for (const pending of queued) {
      this.options.timers.clear(pending.functionTimer);
      this.options.timers.clear(pending.callerTimer);
      if (next) next.submit(pending.request, pending.resolve);
      else this.settle(pending, RETIRED(pending.request.requestId));
    }
  }

  /** Ends the environments with nothing running (a retiring pool's, as they finish). */
  sweep(): void {
    for (const env of [...this.environments]) {
      if (!env.current) {
        this.wake(env);
        env.kill("close");
        this.environments.delete(env);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.timers.clear(this.recheck);
    for (const env of this.environments) this.wake(env);
    for (const pending of this.queue.splice(0)) this.settle(pending, RETIRED(pending.request.requestId));
    const all = [...this.environments];
    this.environments.clear();
    await Promise.all(all.map((e) => e.close()));
  }
}

/**
 * The functions' pools, and the one watch over their memory: every SAMPLE_MS while any
 * environment is running (idle ones less often), each environment's resident set is read and an
 * environment over its limit is killed.
 */
export class Runner {
  private readonly pools = new Map<string, { key: string; pool: FunctionPool }>();
  private readonly retired = new Set<FunctionPool>();
  private readonly options: RunnerOptions & { timers: Timers };
  private watch: NodeJS.Timeout | null = null;
  private watchFast = false;
  private idleSampled = 0;
  /** The server's event-loop utilisation over the last LOAD_MS or so. */
  private load = 0;
  private loadMeasured = 0;
  private elu = performance.eventLoopUtilization();
  private readonly cpu: CpuMeter;
  /** The machine's CPU over the last LOAD_MS or so (null: not measured lately, or not Linux). */
  private cpuLately: (CpuReading & { at: number }) | null = null;

  constructor(options: RunnerOptions) {
    this.options = { ...options, timers: options.timers ?? realTimers };
    this.cpu = options.cpu ?? new CpuLoad();
  }

  /**
   * Runs an invocation in the pool `poolId` (one function version's environments). `key`
   * identifies the configuration: a different key replaces the pool's environments. `limits`:
   * the pool's own cap on environments (a reserved concurrency), else maxEnvironmentsPerFunction.
   */
  run(poolId: string, key: string, spec: EnvironmentSpec, request: RunRequest, limits: { maxEnvironments?: number } = {}): Promise<RunOutcome> {
    const pool = this.poolFor(poolId, key, spec, limits);
    return new Promise<RunOutcome>((resolve) => {
      pool.submit(request, (outcome) => {
        resolve(outcome);
        this.sweepRetired();
      });
    });
  }

  /**
   * An invocation of the pool is about to come: when it has no environment, one starts its init
   * now (a custom sign-in's Create and Verify triggers, while Define runs), within the same caps.
   */
  prepare(poolId: string, key: string, spec: EnvironmentSpec, limits: { maxEnvironments?: number } = {}): void {
    this.poolFor(poolId, key, spec, limits).prepare();
  }

  /** The pool of `poolId` for this configuration (a different key replaces the pool), with its cap. */
  private poolFor(poolId: string, key: string, spec: EnvironmentSpec, limits: { maxEnvironments?: number }): FunctionPool {
    let entry = this.pools.get(poolId);
    if (!entry || entry.key !== key) {
      const pool = new FunctionPool(poolId, spec, this.options, () => this.changed(), () => this.load, (since) => this.saturated(since), (p) => this.room(p));
      if (entry) this.retire(entry.pool, pool);
      entry = { key, pool };
      this.pools.set(poolId, entry);
    }
    const pool = entry.pool;
    pool.limit = Math.max(1, Math.min(limits.maxEnvironments ?? this.options.maxEnvironmentsPerFunction, this.options.maxEnvironments ?? Infinity));
    return pool;
  }

  /** Drops a pool's environments (its function deleted, or its code changed on disk). */
  reset(poolId: string): void {
    const entry = this.pools.get(poolId);
    if (!entry) return;
    this.pools.delete(poolId);
    this.retire(entry.pool, null);
  }

  stats(): Record<string, { environments: number; busy: number; waiting: number }> {
    return Object.fromEntries([...this.pools].map(([name, e]) => [name, { environments: e.pool.size, busy: e.pool.busy, waiting: e.pool.waiting }]));
  }

  /** One pool's figures (undefined: it has none yet). */
  poolStats(poolId: string): { environments: number; busy: number; waiting: number } | undefined {
    const entry = this.pools.get(poolId);
    return entry ? { environments: entry.pool.size, busy: entry.pool.busy, waiting: entry.pool.waiting } : undefined;
  }

  /** Pools waiting for the stack to have room for another environment. */
  private readonly starving = new Set<FunctionPool>();

  /**
   * Whether `pool` may start one more environment under the stack-wide cap. At the cap, the
   * least recently used idle environment of any other pool is reclaimed to make room (a laptop
   * holds a few dozen environments at most, and an idle one is the cheapest to give up); with
   * none idle, the pool waits until one frees up or ends.
   */
  private room(pool: FunctionPool): boolean {
    const max = this.options.maxEnvironments;
    if (max === undefined) return true;
    const live = this.environments().filter((e) => e.state !== "dead").length;
    if (live < max) {
      this.starving.delete(pool);
      return true;
    }
    let oldest: { pool: FunctionPool; env: ExecutionEnvironment; at: number } | undefined;
    for (const other of this.allPools()) {
      if (other === pool) continue;
      for (const env of other.idleOnes()) {
        const at = other.lastUsed.get(env) ?? -Infinity;
        if (!oldest || at < oldest.at) oldest = { pool: other, env, at };
      }
    }
    if (!oldest) {
      this.starving.add(pool);
      return false;
    }
    oldest.pool.reclaim(oldest.env);
    this.starving.delete(pool);
    return true;
  }

  /** An environment came, went or changed state: the memory watch adapts, and starving pools try again. */
  private changed(): void {
    this.watchMemory();
    if (!this.starving.size) return;
    setImmediate(() => {
      for (const pool of [...this.starving]) {
        this.starving.delete(pool);
        pool.retry();
      }
    });
  }

  private allPools(): FunctionPool[] {
    return [...[...this.pools.values()].map((e) => e.pool), ...this.retired];
  }

  /** Every live environment (for the memory watch and the bench). */
  environments(): ExecutionEnvironment[] {
    const out: ExecutionEnvironment[] = [];
    for (const pool of [...[...this.pools.values()].map((e) => e.pool), ...this.retired]) out.push(...pool.environments);
    return out;
  }

  async close(): Promise<void> {
    const pools = [...[...this.pools.values()].map((e) => e.pool), ...this.retired];
    this.pools.clear();
    this.retired.clear();
    if (this.watch) clearTimeout(this.watch);
    this.watch = null;
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

  /**
   * Keeps the memory watch going while there are environments: every SAMPLE_MS while any runs
   * or loads, every IDLE_SAMPLE_MS when all are idle (an idle server is not woken 100 times a
   * second), and stopped when there are none.
   */
  private watchMemory(): void {
    const envs = this.environments();
    if (!envs.length) {
      if (this.watch) clearTimeout(this.watch);
      this.watch = null;
      return;
    }
    const fast = envs.some((e) => e.current !== null || e.state === "init");
    if (this.watch && (this.watchFast || !fast)) return;
    if (this.watch) clearTimeout(this.watch);
    this.watchFast = fast;
    this.watch = setTimeout(() => {
      this.watch = null;
      this.sample();
      this.watchMemory();
    }, fast ? SAMPLE_MS : IDLE_SAMPLE_MS);
    this.watch.unref();
  }

  /**
   * Whether the machine's cores have been all busy, with the stack's own work for the most part,
   * over a reading taken since `since`; null when there is none yet (readings come every LOAD_MS
   * while an environment runs). Without /proc, never.
   */
  private saturated(since: number): boolean | null {
    if (!this.cpu.supported) return false;
    const cpu = this.cpuLately;
    if (!cpu || cpu.at - cpu.overMs < since || performance.now() - cpu.at > 3 * LOAD_MS) return null;
    return cpu.idle * cpu.cores < SATURATED_IDLE_CORES && cpu.own >= SATURATED_OWN;
  }

  private sample(): void {
    const now = performance.now();
    if (now - this.loadMeasured >= LOAD_MS) {
      const elu = performance.eventLoopUtilization();
      this.load = performance.eventLoopUtilization(elu, this.elu).utilization;
      this.elu = elu;
      this.loadMeasured = now;
      // After a pause (no environment ran) the reading only starts a new interval.
      const cpu = this.cpu.read(4 * LOAD_MS);
      this.cpuLately = cpu && { ...cpu, at: now };
    }
    const idleToo = now - this.idleSampled >= IDLE_SAMPLE_MS;
    if (idleToo) this.idleSampled = now;
    for (const env of this.environments()) {
      if (idleToo || env.current || env.state === "init") env.sample();
    }
  }
}
