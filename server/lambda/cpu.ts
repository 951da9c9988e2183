import { readFileSync } from "node:fs";
import { childrenOf } from "./memory.js";

/**
 * How busy the machine's cores have been since the last reading, and how much of that was this
 * server's own process tree (the server, its DynamoDB engine, every Lambda environment and what
 * each started), read from /proc: the machine's from /proc/stat, each process's from its
 * /proc/<pid>/stat (user and system time, every thread). Linux only: elsewhere `read` answers
 * null. Both in clock ticks (100 a second), so a reading needs a quarter of a second or so to mean
 * anything on a small machine.
 */

/** Clock ticks a second in /proc's figures (USER_HZ: 100 on every Linux architecture Node runs on). */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  /** Share of the machine's cores that were idle (0-1). */
  idle: number;
  /** The machine's cores (online, as /proc/stat lists them). */
  cores: number;
  /** Share of the machine's cores this process tree used (0-1; at most 1 - idle, give or take a tick). */
  own: number;
  /** The CPU time this process tree used, ms. */
  ownCpuMs: number;
  /** Over how long, ms. */
  overMs: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

/** Total and idle ticks of all cores, from the first line of /proc/stat, and how many cores it lists. */
function machineTicks(): { total: number; idle: number; cores: number } | null {
  const text = read("/proc/stat");
  if (!text?.startsWith("cpu ")) return null;
  const fields = text.slice(4, text.indexOf("\n")).trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user already).
  let total = 0;
  for (let i = 0; i < Math.min(fields.length, 8); i++) total += fields[i]!;
  const cores = text.match(/^cpu\d+ /gm)?.length ?? 1;
  return { total, idle: fields[3]! + (fields[4] ?? 0), cores };
}

/** utime + stime of one process (all its threads), ticks; null once it has gone. */
function processTicks(pid: number): number | null {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  // The command name, in parentheses, may hold spaces: the fields start after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** What the runner asks of the machine's load (tests pass a reading of their own). */
export interface CpuMeter {
  /** Whether readings can be had here at all (Linux's /proc). */
  readonly supported: boolean;
  read(maxGapMs?: number): CpuReading | null;
}

export class CpuLoad implements CpuMeter {
  private last: { at: number; machine: { total: number; idle: number }; own: Map<number, number> } | null = null;
  readonly supported = machineTicks() !== null;

  constructor(
    /** The root of the tree counted as this server's own (default: this process). */
    private readonly root: number = process.pid,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Since the previous call: how idle the machine was and how much of it the tree used. The first
   * call (or one after a pause longer than `maxGapMs`) only starts the interval and answers null.
   */
  read(maxGapMs = Infinity): CpuReading | null {
    if (!this.supported) return null;
    const at = this.now();
    const machine = machineTicks();
    if (!machine) return null;
    const own = new Map<number, number>();
    const stack = [this.root];
    let guard = 0;
    while (stack.length && guard++ < 512) {
      const pid = stack.pop()!;
      const ticks = processTicks(pid);
      if (ticks === null) continue;
      own.set(pid, ticks);
      stack.push(...childrenOf(pid));
    }
    const last = this.last;
    this.last = { at, machine, own };
    if (!last || at - last.at > maxGapMs) return null;
    const total = machine.total - last.machine.total;
    if (total <= 0) return null;
    let ownTicks = 0;
    // A process that started meanwhile counts whole (its ticks are all in the interval, or nearly);
    // one that ended meanwhile is lost with what it used since the last reading.
    for (const [pid, ticks] of own) ownTicks += ticks - (last.own.get(pid) ?? 0);
    ownTicks = Math.max(0, ownTicks);
    return { idle: (machine.idle - last.machine.idle) / total, cores: machine.cores, own: ownTicks / total, ownCpuMs: (ownTicks * 1000) / TICKS_PER_SECOND, overMs: at - last.at };
  }
}
