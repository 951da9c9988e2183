import type { CoreServices } from "../core/services.js";
import type { TraceLink } from "../core/traces.js";
import { poolOf, type EnvironmentSpecs } from "./environment-specs.js";
import type { StoredFunction } from "./functions.js";
import type { Runner, RunOutcome } from "./runner.js";
import type { Target, Targets } from "./targets.js";
import type { InvokeResult, LambdaInvoker } from "./types.js";

/** A synchronous invocation refused for the function's reserved concurrency. */
const THROTTLED: RunOutcome = {
  ok: false,
  functionError: "Unhandled",
  errorType: "TooManyRequestsException",
  errorMessage: "Rate Exceeded.",
  trace: [],
  timedOut: false,
  log: "",
  throttled: true,
};

/**
 * Running functions: synchronously (Invoke, Cognito's triggers, through LambdaInvoker) or in
 * the background (Event invocations, S3 notifications), within the function's reserved
 * concurrency, on the runner's execution environments, each invocation traced for the console.
 */
export class Invocations implements LambdaInvoker {
  private readonly pendingAsync = new Set<Promise<unknown>>();

  constructor(
    private readonly core: Pick<CoreServices, "ids" | "logger" | "traces">,
    private readonly runner: Runner,
    private readonly specs: EnvironmentSpecs,
    private readonly targets: Targets,
  ) {}

  /** How many invocations of this function (any version) are running or waiting: its concurrency. */
  private concurrencyOf(fn: StoredFunction): number {
    let n = 0;
    for (const version of ["$LATEST", ...(fn.versions ?? []).map((v) => v.version)]) {
      const stats = this.runner.poolStats(poolOf(fn.name, version));
      if (stats) n += stats.busy + stats.waiting;
    }
    return n;
  }

  /**
   * Runs a function (at the target's version); the payload is JSON text. `timeoutMs` lowers the
   * function's own timeout; `callerTimeoutMs` is how long the caller waits at most, everything
   * included. `trace`: where the console records the invocation (a trigger's step, an S3 event);
   * `source` names what invoked it when it is a trace of its own. `queue`: an asynchronous
   * invocation waits out a full reserved concurrency instead of being throttled.
   */
  async run(
    target: Target | StoredFunction,
    payload: string,
    options: {
      timeoutMs?: number;
      callerTimeoutMs?: number;
      clientContext?: unknown;
      invokedArn?: string;
      requestId?: string;
      trace?: TraceLink;
      source?: string;
      queue?: boolean;
    } = {},
  ): Promise<RunOutcome & { requestId: string }> {
    const resolved: Target = "fn" in target ? target : { fn: target, state: target, version: "$LATEST", arn: target.arn };
    const { fn, state, version } = resolved;
    const requestId = options.requestId ?? this.core.ids.uuid();
    const reserved = fn.reservedConcurrency;
    if (reserved !== undefined && !options.queue && this.concurrencyOf(fn) >= reserved) {
      return { ...THROTTLED, requestId };
    }
    const ownTimeout = state.timeout * 1000;
    const timeoutMs = options.timeoutMs !== undefined ? Math.min(ownTimeout, Math.max(1, options.timeoutMs)) : ownTimeout;
    const span = this.core.traces?.invocation(fn.name, requestId, options.trace, options.source ?? "Invoke");
    try {
      const { key, spec } = await this.specs.specOf(fn, state, version);
      const outcome = await this.runner.run(poolOf(fn.name, version), key, spec, {
        requestId,
        payload,
        timeoutMs,
        callerTimeoutMs: options.callerTimeoutMs,
        invokedFunctionArn: options.invokedArn ?? resolved.arn,
        clientContext: options.clientContext,
        traceId: span?.header,
      }, { maxEnvironments: reserved !== undefined ? Math.max(reserved, 0) : undefined });
      span?.end(outcome);
      return { ...outcome, requestId };
    } catch (error) {
      span?.end({ ok: false, errorType: "Runtime.Error", errorMessage: error instanceof Error ? error.message : String(error), log: "" });
      throw error;
    }
  }

  /**
   * LambdaInvoker: what Cognito's triggers call. `timeoutMs` is how long the caller waits, from
   * now, queue and init included (Cognito's 5 s); running out of it is `timedOut`, while the
   * function's own timeout is a function error (Sandbox.Timedout), as Cognito sees it on AWS.
   */
  async invoke(nameOrArn: string, payload: unknown, options: { timeoutMs?: number; trace?: TraceLink } = {}): Promise<InvokeResult> {
    const target = this.targets.resolve(nameOrArn, undefined, undefined, { route: true });
    const outcome = await this.run(target, JSON.stringify(payload ?? {}), { callerTimeoutMs: options.timeoutMs, trace: options.trace, source: "a Cognito trigger" });
    if (outcome.ok) {
      let value: unknown = null;
      try {
        value = JSON.parse(outcome.payload);
      } catch {
        value = outcome.payload;
      }
      return { ok: true, payload: value, requestId: outcome.requestId };
    }
    return {
      ok: false,
      requestId: outcome.requestId,
      functionError: outcome.functionError,
      errorType: outcome.errorType,
      errorMessage: outcome.errorMessage,
      timedOut: outcome.timedOut === "caller",
    };
  }

  exists(nameOrArn: string): boolean {
    return this.targets.exists(nameOrArn);
  }

  /** LambdaInvoker: starts an environment of the function ahead of an invocation when it has none. */
  prepare(nameOrArn: string): void {
    let target: Target;
    try {
      target = this.targets.resolve(nameOrArn, undefined, undefined, { route: true });
    } catch {
      return; // no such function: the invocation will say so
    }
    const { fn, state, version } = target;
    const reserved = fn.reservedConcurrency;
    if (reserved === 0) return;
    this.specs.specOf(fn, state, version).then(
      ({ key, spec }) => this.runner.prepare(poolOf(fn.name, version), key, spec, { maxEnvironments: reserved }),
      () => {}, // the invocation reports what is wrong
    );
  }

  /** An asynchronous (Event) invocation: runs in the background; failures are logged. */
  invokeAsync(target: Target | StoredFunction, payload: string, source: string, trace?: TraceLink): string {
    const requestId = this.core.ids.uuid();
    const fn = "fn" in target ? target.fn : target;
    if (fn.reservedConcurrency === 0) {
      // AWS throttles every event of a function whose reserved concurrency is 0, and drops it in the end.
      this.core.logger.warn(`[${fn.name} ${requestId}] ${source} invocation throttled: the function's reserved concurrency is 0`);
      return requestId;
    }
    const done = this.run(target, payload, { requestId, trace, source, queue: true })
      .then((outcome) => {
        if (!outcome.ok) {
          this.core.logger.warn(`[${fn.name} ${outcome.requestId}] ${source} invocation failed: ${outcome.errorType}: ${outcome.errorMessage}`);
        }
      })
      .catch((error: unknown) => {
        this.core.logger.error(`[${fn.name}] ${source} invocation could not run: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.pendingAsync.delete(done));
    this.pendingAsync.add(done);
    return requestId;
  }

  /** Resolves when every asynchronous invocation started so far has finished (for tests and close). */
  async drain(): Promise<void> {
    while (this.pendingAsync.size) await Promise.all([...this.pendingAsync]);
  }
}
