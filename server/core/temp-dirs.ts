import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Temporary directories that say whose they are, so that one left behind by a process that
 * ended without removing it (SIGKILL, a closed terminal, a test run cut short) is removed by the
 * next process that makes one of its kind. Each holds `owner.json`: the owner's pid, when that
 * process started (from /proc, so that a pid used again by another process is not taken for the
 * owner) and its pid namespace (a container sharing /tmp counts pids of its own: its directories
 * are never judged from here). A directory is removed only when its owner file is readable, names
 * this pid namespace and a process that is gone; one without an owner file is left alone.
 */

const OWNER_FILE = "owner.json";

interface Owner {
  pid: number;
  /** The process's start, in clock ticks after boot (/proc/<pid>/stat); null off Linux. */
  start: number | null;
  /** readlink /proc/self/ns/pid; null off Linux. */
  pidNamespace: string | null;
}

function startOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return null;
  }
}

/** Whether the process an owner file names has ended (false when that cannot be told). */
export function ownerIsGone(owner: Owner, namespace = pidNamespace()): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || owner.pidNamespace !== namespace) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  // Alive: the owner, or another process given its pid since (then its start differs).
  return owner.start !== null && startOf(owner.pid) !== owner.start;
}

const swept = new Set<string>();
/** How long after the first directory of its kind a process sweeps the ones left behind, ms. */
const SWEEP_DELAY_MS = 1000;

/**
 * Makes `<tmpdir>/<prefix>XXXXXX` with this process's owner file, and (once per process and
 * prefix, a second later, in the background) removes the directories of that prefix whose owners
 * are gone.
 * `onSwept` hears how many were removed.
 */
export function ownedTempDir(prefix: string, onSwept?: (removed: number) => void): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const owner: Owner = { pid: process.pid, start: startOf(process.pid), pidNamespace: pidNamespace() };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
  if (!swept.has(prefix)) {
    swept.add(prefix);
    // A moment after, so that it never takes from a start's CPU.
    setTimeout(() => {
      void sweepTempDirs(prefix, dir).then((removed) => {
        if (removed > 0) onSwept?.(removed);
      });
    }, SWEEP_DELAY_MS).unref();
  }
  return dir;
}

/** Removes `<tmpdir>/<prefix>*` directories (but `keep`) whose owners are gone; how many. Never throws. */
export async function sweepTempDirs(prefix: string, keep?: string, parent = tmpdir()): Promise<number> {
  let removed = 0;
  try {
    const namespace = pidNamespace();
    for (const name of await readdir(parent)) {
      if (!name.startsWith(prefix)) continue;
      const dir = join(parent, name);
      if (dir === keep) continue;
      let owner: Owner;
      try {
        owner = JSON.parse(await readFile(join(dir, OWNER_FILE), "utf8")) as Owner;
      } catch {
        continue;
      }
      if (!ownerIsGone(owner, namespace)) continue;
      try {
        await rm(dir, { recursive: true, force: true });
        removed++;
      } catch {
        // another user's, or removed meanwhile
      }
    }
  } catch {
    // no temporary directory to read
  }
  return removed;
}
