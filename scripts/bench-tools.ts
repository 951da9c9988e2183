/** What the bench scripts share: percentiles, the printed lines, starting the CLI, and the memory of a process tree. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { treeResidentBytes } from "../server/lambda/memory.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (samples: number[]): number => percentile(samples, 50);

export const ms = (n: number): string => `${n.toFixed(2)} ms`;

export const mib = (n: number | undefined): string => (n === undefined ? "n/a" : `${n.toFixed(0)} MiB`);

export function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(50)} ${value}\n`);
}

/** The 1-minute load average, to print beside figures taken on a shared machine. */
export const load = (): string => `load ${loadavg()[0]!.toFixed(1)}`;

/** "met" or "not met" against a target, for the lines that have one. */
export const target = (value: number, limit: number, unit: string, lowerIsBetter = true): string =>
  `target ${lowerIsBetter ? "at most" : "at least"} ${limit} ${unit}: ${(lowerIsBetter ? value <= limit : value >= limit) ? "met" : "not met"}`;

export async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** User + system CPU milliseconds a process has used so far (Linux; undefined elsewhere). */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime and stime, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * RSS and PSS of `pid` and all its descendants (the server, its DynamoDB engine, every Lambda
 * environment), MiB; undefined off Linux. RSS counts the node binary's shared pages once per
 * process; PSS shares them out among the processes that map them, so the sum of PSS is what
 * the stack really holds in memory.
 */
export function treeMemory(pid: number): { rss: number; pss: number; processes: number } | undefined {
  if (!existsSync("/proc/self/smaps_rollup")) return undefined;
  let rss = 0;
  let pss = 0;
  let processes = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const text = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      processes++;
    } catch {
      // gone meanwhile
    }
    stack.push(...children(p));
  }
  return { rss: rss / 1024, pss: pss / 1024, processes };
}

/** How often watchPeak reads the tree's RSS, and at most how often its PSS, ms. */
const RSS_SAMPLE_MS = 25;
const PSS_SAMPLE_MS = 250;

/**
 * Samples a process tree's memory until stopped; the peaks. RSS every 25 ms from statm
 * (treeResidentBytes: the kernel's counters, ~0.02 ms a process); PSS from smaps_rollup only when
 * the RSS reaches a new peak, at most every 250 ms, and at the stop. smaps_rollup walks each page
 * of a process (~0.9 ms of kernel time for one environment here): read every 25 ms across the
 * stack's ten processes, it took a fifth to a third of a core from the sign-ins being measured.
 */
export function watchPeak(pid: number): () => { rss: number; pss: number } {
  let peak = { rss: 0, pss: 0 };
  let pssAt = -Infinity;
  const takePss = () => {
    const now = treeMemory(pid);
    pssAt = performance.now();
    if (now) peak = { rss: Math.max(peak.rss, now.rss), pss: Math.max(peak.pss, now.pss) };
  };
  const take = () => {
    const rss = treeResidentBytes(pid) / 1024 / 1024;
    if (rss <= peak.rss) return;
    peak.rss = rss;
    if (performance.now() - pssAt >= PSS_SAMPLE_MS) takePss();
  };
  takePss();
  const timer = setInterval(take, RSS_SAMPLE_MS);
  return () => {
    clearInterval(timer);
    takePss();
    return peak;
  };
}

export interface Server {
  endpoint: string;
  child: ChildProcess;
  /** Spawn to the first health 200, ms. */
  readyMs: number;
  /** The server process's CPU time at that moment (its children's apart), ms. */
  readyCpuMs: number | undefined;
  health(): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

/**
 * Builds the compiled server now if a source changed (lib/build.js), so that no start measured
 * afterwards pays for a build (in a tree others edit meanwhile, one still may: it says so).
 */
export function ensureCompiled(): void {
  const check = spawnSync(process.execPath, ["lib/build.js", "--check"], { cwd: ROOT, encoding: "utf8" });
  if (check.status === 0) return;
  const build = spawnSync(process.execPath, ["lib/build.js"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`the server does not build: ${build.stderr.trim()}`);
}

/**
 * Starts the CLI as `npm start -- <args>` runs it (`node bin/rekognito.js`: the compiled
 * server) and resolves at its first health 200, which the CLI answers once the face-login app is
 * provisioned (and seeded with --seed).
 */
export async function startServer(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, ["bin/rekognito.js", "--port", String(port), "--quiet", ...args], { cwd: ROOT, env: options.env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
    // A source edited since the build: this start compiles first, and its figures say so.
    if (/compiled the server/.test(chunk.toString())) process.stdout.write(`  (a start rebuilt the server first: ${chunk.toString().trim()})\n`);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const health = async () => (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as Record<string, any>;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server (${args.join(" ")}) exited (${child.exitCode}) before it was ready: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
    try {
      const response = await fetch(`${endpoint}/_rekognito/health`);
      if (response.status === 200) {
        const readyMs = performance.now() - started;
        const readyCpuMs = cpuMs(child.pid!);
        await response.body?.cancel();
        return { endpoint, child, readyMs, readyCpuMs, health, stop };
      }
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    if (performance.now() - started > (options.timeoutMs ?? 60_000)) {
      await stop();
      throw new Error(`the server (${args.join(" ")}) was not ready in ${((options.timeoutMs ?? 60_000) / 1000).toFixed(0)} s`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Starts the CLI as `npm start -- --ephemeral <args>` does and returns the milliseconds until
 * its health answers 200 and satisfies `ready`.
 */
export async function bootToReady(args: string[], ready: (health: { resources?: unknown }) => boolean = () => true): Promise<number> {
  const server = await startServer(["--ephemeral", ...args]);
  try {
    for (;;) {
      if (ready(await server.health())) return server.readyMs;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await server.stop();
  }
}
