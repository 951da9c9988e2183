import { readFileSync } from "node:fs";

/**
 * How much memory an execution environment holds: the resident set of its runtime process and of
 * every process it started (AWS counts the whole sandbox), read from /proc. Linux only: elsewhere
 * `supported` is false and only the V8 heap limit bounds a function.
 */

function read(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

/** Bytes per page, from one process whose resident size /proc reports both ways. */
const PAGE_SIZE = (() => {
  const status = read("/proc/self/status");
  const statm = read("/proc/self/statm");
  const kb = status ? /VmRSS:\s+(\d+)/.exec(status)?.[1] : undefined;
  const pages = statm ? Number(statm.split(" ")[1]) : NaN;
  if (!kb || !pages) return 4096;
  // The two reads are a moment apart; round to the nearest power of two.
  return 2 ** Math.round(Math.log2((Number(kb) * 1024) / pages));
})();

export const processMemorySupported = read("/proc/self/statm") !== null;

/** The children of a process (its main thread's; Node starts processes from it). */
export function childrenOf(pid: number): number[] {
  const text = read(`/proc/${pid}/task/${pid}/children`);
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.split(" ")) if (part) out.push(Number(part));
  return out;
}

/** Resident bytes of `pid` and its descendants (0 once it has gone). */
export function treeResidentBytes(pid: number): number {
  let total = 0;
  const stack = [pid];
  let guard = 0;
  while (stack.length && guard++ < 256) {
    const p = stack.pop()!;
    const statm = read(`/proc/${p}/statm`);
    if (!statm) continue;
    total += Number(statm.split(" ")[1]) * PAGE_SIZE;
    stack.push(...childrenOf(p));
  }
  return total;
}
