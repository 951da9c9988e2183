import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../app.js";
import type { Persistence } from "../core/persistence.js";

/** One build of the stack's services over its state: replaced whole by a reset or a restore. */
export interface Generation {
  number: number;
  app: App;
  persistence: Persistence;
  /** Requests it is serving (long-lived event streams apart). */
  inflight: Set<IncomingMessage>;
  /** Event streams (the console's live view): not waited for, ended when it closes. */
  streams: Set<ServerResponse>;
  drained: (() => void) | null;
}

/** How long a reset, restore or snapshot waits for requests in flight before going on. */
export const DEFAULT_DRAIN_MS = 10_000;

/**
 * The listening server's request handler. It hands every request to the current generation
 * (its Fastify instance's router), and lets the control API swap generations safely:
 *
 *   exclusive(): new requests are held at the door, requests in flight finish (up to the drain
 *   limit), then the work runs (a snapshot reads the files; a reset closes this generation and
 *   builds the next over the new files), then the held requests go to whichever generation is
 *   current. A request is therefore served wholly by the old state or wholly by the new one.
 *
 * While requests are held, the calls a running Lambda invocation makes (its AWS SDK sends the
 * X-Ray header the runner gave it) still reach its generation: a Verify Auth Challenge trigger
 * that searches faces finishes instead of waiting for the door it holds shut.
 */
export class Generations {
  private held: (() => void)[] = [];
  private gated = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private current: Generation,
    private readonly options: { drainMs: number; date?: () => number },
  ) {}

  get generation(): Generation {
    return this.current;
  }

  readonly dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const fromInvocation = this.runsInvocation(req);
    // A Lambda function's own calls are answered with the stack's time in their Date header
    // when the stack's clock is not the system's: the function's Date follows the stack
    // (bootstrap.mjs), and its AWS SDK sets its clock offset from that header on every answer,
    // so it keeps signing and presigning with the stack's time. Other clients keep the system's
    // Date: past 4 minutes of difference the SDKs would take each error for clock skew and retry.
    if (this.options.date && fromInvocation) res.setHeader("date", new Date(this.options.date()).toUTCString());
    if (this.gated && !fromInvocation) {
      this.held.push(() => this.dispatch(req, res));
      return;
    }
    this.route(this.current, req, res);
  };

  private runsInvocation(req: IncomingMessage): boolean {
    const header = req.headers["x-amzn-trace-id"];
    return typeof header === "string" && (this.current.app.core.traces?.isInvocationRunning(header) ?? false);
  }

  private route(gen: Generation, req: IncomingMessage, res: ServerResponse): void {
    const accept = req.headers.accept;
    if (typeof accept === "string" && accept.includes("text/event-stream")) {
      gen.streams.add(res);
      res.once("close", () => gen.streams.delete(res));
    } else {
      gen.inflight.add(req);
      res.once("close", () => {
        gen.inflight.delete(req);
        gen.drained?.();
      });
    }
    gen.app.fastify.routing(req, res);
  }

  /**
   * Runs `work` with the door shut and the current generation quiet (no request in flight but
   * `exempt`: the control request that asked). One at a time, in order.
   */
  exclusive<T>(work: (gen: Generation) => Promise<T>, exempt?: IncomingMessage): Promise<T> {
    const run = this.queue.then(async () => {
      this.gated = true;
      try {
        await this.drain(this.current, exempt);
        return await work(this.current);
      } finally {
        this.gated = false;
        const held = this.held;
        this.held = [];
        for (const go of held) go();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when `gen` serves no request but `exempt`, or after the drain limit. */
  private async drain(gen: Generation, exempt?: IncomingMessage): Promise<void> {
    const busy = () => gen.inflight.size - (exempt && gen.inflight.has(exempt) ? 1 : 0) > 0;
    if (!busy()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.drainMs);
      function done() {
        clearTimeout(timer);
        gen.drained = null;
        resolve();
      }
      gen.drained = () => {
        if (!busy()) done();
      };
    });
  }

  /** Inside exclusive(): makes `next` the generation that serves, from now on. */
  swap(next: Generation): Generation {
    const old = this.current;
    this.current = next;
    return old;
  }

  /**
   * Ends what still runs in a generation taken out of service: its event streams (a browser's
   * EventSource reconnects, to the new one), and requests that outlived the drain limit.
   */
  static cut(gen: Generation, exempt?: IncomingMessage): void {
    for (const res of gen.streams) res.destroy();
    gen.streams.clear();
    for (const req of gen.inflight) if (req !== exempt) req.socket.destroy();
  }
}
