/** Time, injected everywhere so tests move it instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that can be moved from outside (the control API's `POST /_rekognito/clock`, a test's
 * own hand). A dev server gets one only when asked (`--clock manual|offset`), so that it never
 * jumps in time by accident.
 */
export interface ControllableClock extends Clock {
  /** Moves time forward by `ms` (never backwards: that is what set() is for). */
  advance(ms: number): void;
  /** Puts the clock at `time`, forwards or backwards. */
  set(time: number | Date): void;
}

/** A clock that only moves when told to. */
export class ManualClock implements ControllableClock {
  readonly mode = "manual";
  private current: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === "number" ? start : start.getTime();
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(time: number | Date): void {
    this.current = typeof time === "number" ? time : time.getTime();
  }
}

/**
 * The real time shifted by an offset that advance() and set() change: time flows as on the
 * system clock (a long-running CI server's sessions and tokens age as they would), and a test
 * can still jump ahead. Never runs backwards on its own, even if the system clock is stepped
 * back (NTP): it holds until the real time catches up.
 */
export class OffsetClock implements ControllableClock {
  readonly mode = "offset";
  private offset = 0;
  private last = Number.NEGATIVE_INFINITY;
  constructor(private readonly real: () => number = Date.now) {}
  now(): number {
    this.last = Math.max(this.last, this.real() + this.offset);
    return this.last;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
  set(time: number | Date): void {
    const at = typeof time === "number" ? time : time.getTime();
    this.offset = at - this.real();
    this.last = at;
  }
  /** How far this clock is ahead of the system clock (negative: behind), ms. */
  get offsetMs(): number {
    return this.now() - this.real();
  }
}

/** True for a clock that can be moved (a ManualClock, an OffsetClock, or a test's own). */
export function isControllable(clock: Clock): clock is ControllableClock {
  const c = clock as Partial<ControllableClock>;
  return typeof c.advance === "function" && typeof c.set === "function";
}

export const CLOCK_MODES = ["system", "manual", "offset"] as const;
export type ClockMode = (typeof CLOCK_MODES)[number];

/** The clock a `--clock` mode asks for: `manual` starts at the real time and then holds still. */
export function clockOf(mode: ClockMode, start: number = Date.now()): Clock {
  if (mode === "manual") return new ManualClock(start);
  if (mode === "offset") return new OffsetClock();
  return systemClock;
}

/** What kind of clock this is, for health and the control API. */
export function clockModeOf(clock: Clock): ClockMode | "custom" {
  if (clock === systemClock) return "system";
  const mode = (clock as { mode?: unknown }).mode;
  if (mode === "manual" || mode === "offset") return mode;
  return isControllable(clock) ? "manual" : "custom";
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const SHORT_DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/i;

/**
 * A duration in milliseconds from a number of ms, an ISO 8601 duration of days and time
 * (`PT5M`, `P1DT2H`, `PT0.5S`) or a short form (`300ms`, `90s`, `5m`, `2h`, `1d`); undefined
 * for anything else. Months and years are refused: their length depends on the date.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const iso = ISO_DURATION.exec(text);
  if (iso && text !== "P" && !/T$/i.test(text)) {
    const [, d, h, m, s] = iso.map((part) => (part === undefined ? 0 : Number(part)));
    return Math.round(((d! * 24 + h!) * 60 + m!) * 60_000 + s! * 1000);
  }
  const short = SHORT_DURATION.exec(text);
  if (short) {
    const unit = short[2]!.toLowerCase();
    const factor = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" || unit === "min" ? 60_000 : unit === "h" ? 3_600_000 : 86_400_000;
    return Math.round(Number(short[1]) * factor);
  }
  return undefined;
}
