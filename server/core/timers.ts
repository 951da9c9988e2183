/**
 * Deadlines and idle periods run on these timers (the Lambda runner's timeouts, init budget and
 * idle environments; the face model's idle period), injected like the clock: real ones by default, and ManualTimers in tests, which fire only when
 * the test moves time, so a test of a five-second timeout takes no five seconds and asserts no
 * duration.
 */
export interface Timers {
  /** Milliseconds on this timer's own scale (monotonic; only differences matter). */
  now(): number;
  /** Calls `fn` once after `ms`; returns what `clear` takes. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  set: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending deadline must not keep a finished process alive.
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Timers that fire only when told to: `advance(ms)` runs every timer due by then, in order. */
export class ManualTimers implements Timers {
  private current = 0;
  private seq = 0;
  private readonly pending = new Set<ManualTimer>();

  now(): number {
    return this.current;
  }

  set(fn: () => void, ms: number): unknown {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(timer);
    return timer;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as ManualTimer);
  }

  /** How many timers are waiting to fire. */
  get size(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.pending) if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.pending.delete(next);
      this.current = next.at;
      next.fn();
    }
    this.current = until;
  }
}
