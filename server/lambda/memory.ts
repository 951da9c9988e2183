import { closeSync, openSync, readFileSync, readSync } from "node:fs";

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

/**
 * The resident bytes of one process tree, read as treeResidentBytes does but through files kept
 * open between reads (one pread of each), for the memory watch that samples a running
 * environment every 10 ms: opening and closing /proc's files each time cost ~0.7 ms of the
 * server's CPU per face sign-in. A file of a process that has ended reads as nothing (and is
 * closed); one that is no longer in the tree is closed after the walk.
 */
export class ProcessTreeMemory {
  private readonly files = new Map<string, number>();
  private readonly buffer = Buffer.alloc(4096);
  private closed = false;

  constructor(readonly pid: number) {}

  residentBytes(): number {
    if (this.closed) return 0;
    const seen = new Set<string>();
    let total = 0;
    const stack = [this.pid];
    let guard = 0;
    while (stack.length && guard++ < 256) {
      const p = stack.pop()!;
      const statm = this.read(`/proc/${p}/statm`, seen);
      if (!statm) continue;
      total += Number(statm.split(" ")[1]) * PAGE_SIZE;
      const children = this.read(`/proc/${p}/task/${p}/children`, seen);
      if (children) for (const part of children.split(" ")) if (part) stack.push(Number(part));
    }
    for (const [path, fd] of this.files) {
      if (seen.has(path)) continue;
      closeSync(fd);
      this.files.delete(path);
    }
    return total;
  }

  /** Closes the files (the environment has ended). */
  close(): void {
    this.closed = true;
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
  }

  private read(path: string, seen: Set<string>): string | null {
    let fd = this.files.get(path);
    if (fd === undefined) {
      try {
        fd = openSync(path, "r");
      } catch {
        return null;
      }
      this.files.set(path, fd);
    }
    try {
      const n = readSync(fd, this.buffer, 0, this.buffer.length, 0);
      if (n > 0) {
        seen.add(path);
        // A long list of children: read it whole.
        return n < this.buffer.length ? this.buffer.toString("latin1", 0, n) : read(path);
      }
    } catch {
      // the process has ended
    }
    closeSync(fd);
    this.files.delete(path);
    return null;
  }
}
