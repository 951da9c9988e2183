/**
 * Boot and footprint, for `npm run bench` (also alone: `tsx scripts/bench-boot.ts [--quick]`),
 * the server started as `npm start` runs it (`node bin/rekognito.js`, the compiled server):
 *
 *   node itself          `node -e 0`, spawn to exit: what no server can start faster than here
 *                        (and, where NODE_EXTRA_CA_CERTS is set, as here, without it too: Node 20
 *                        reads that file at every start)
 *   boot                 spawn to the first health 200 (the CLI answers 503 until the app is
 *                        provisioned, and seeded with --seed), median of several starts, with the
 *                        server's CPU time at that moment: `--bare` (the emulator alone); the
 *                        face-login app with its state restored (a data directory a first start
 *                        provisioned: the everyday `npm start`); a first start into an empty data
 *                        directory; a first start with `--seed`
 *   idle memory          the stack with the app provisioned, state restored, nothing asked, once
 *                        its start's work is done, and again at rest (20 s after ready, once V8's
 *                        memory reducer has given back what the start's heaps no longer use):
 *                        the server's whole process tree (the server and its DynamoDB engine;
 *                        Lambda environments when any run), as PSS (each page shared by several
 *                        processes, such as the node binary's, counted once in all: the memory the
 *                        stack takes) and as RSS summed (those pages counted once per process)
 *
 * On a shared machine the wall-clock figures move with the load (printed beside them): the CPU
 * time is the steadier figure of the work a start does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuMs, ensureCompiled, line, load, median, mib, ms, startServer, target, treeMemory } from "./bench-tools.js";

interface Boots {
  wall: number[];
  cpu: number[];
}

async function boots(args: () => string[], runs: number, before?: () => void, env?: NodeJS.ProcessEnv): Promise<Boots> {
  const out: Boots = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    before?.();
    const server = await startServer(args(), { timeoutMs: 120_000, env });
    out.wall.push(server.readyMs);
    if (server.readyCpuMs !== undefined) out.cpu.push(server.readyCpuMs);
    await server.stop();
  }
  return out;
}

function print(label: string, b: Boots, limit?: number): void {
  const wall = median(b.wall);
  const cpu = b.cpu.length ? `, CPU ${ms(median(b.cpu))}` : "";
  const goal = limit === undefined ? "" : `; ${target(wall, limit, "ms")}`;
  line(label, `${ms(wall)}${cpu}  (median of ${b.wall.length}, ${load()}${goal})`);
}

/** When an idle server is taken as at rest: V8's memory reducer has had its first pass (8 s after the last full GC). */
const REST_AFTER_MS = 20_000;

/** Waits until the server's CPU use stops (start-up work behind it, a first GC) or `maxMs`. */
async function settled(pid: number, maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  let last = cpuMs(pid) ?? 0;
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuMs(pid) ?? 0;
    if (now - last < 5) return;
    last = now;
  }
}

/** Median spawn-to-exit of `node -e 0` over 5 runs. */
function nodeStart(env?: NodeJS.ProcessEnv): number {
  const node: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ["-e", "0"], { env });
    node.push(performance.now() - t);
  }
  return median(node);
}

export async function benchBoot(quick: boolean): Promise<void> {
  line("node -e 0 (Node's own start, spawn to exit)", `${ms(nodeStart())}  (median of 5, ${load()})`);
  // Node 20 reads and parses the NODE_EXTRA_CA_CERTS file at every start (Node 22 and later when
  // a first TLS connection needs it): with a system bundle (~140 certificates, set on these
  // machines) that is tens of ms of each start, which the figures without it show.
  const { NODE_EXTRA_CA_CERTS: extraCerts, ...withoutCerts } = process.env;
  if (extraCerts) line("node -e 0 without NODE_EXTRA_CA_CERTS", `${ms(nodeStart(withoutCerts))}  (this environment sets it to ${extraCerts})`);

  const runs = quick ? 2 : 7;
  ensureCompiled();
  print("boot, --bare (spawn to health 200)", await boots(() => ["--ephemeral", "--bare"], runs), 150);
  if (extraCerts) print("boot, --bare without NODE_EXTRA_CA_CERTS", await boots(() => ["--ephemeral", "--bare"], runs, undefined, withoutCerts), 150);

  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-bench-boot-"));
  try {
    // A first start provisions the app into an empty directory (--quick: the --seed one below is
    // the first start it measures); the starts after it restore that state.
    if (!quick) {
      const fresh = () => rmSync(join(dataDir, "first"), { recursive: true, force: true });
      print("boot, first start (the app provisioned anew)", await boots(() => ["--data-dir", join(dataDir, "first")], 3, fresh));
    }
    const seeded = () => rmSync(join(dataDir, "seed"), { recursive: true, force: true });
    print("boot, first start with --seed (7 personas)", await boots(() => ["--data-dir", join(dataDir, "seed"), "--seed"], quick ? 1 : 3, seeded), 1500);
    print("boot, the app with its state restored", await boots(() => ["--data-dir", join(dataDir, "seed")], runs), 300);
    if (extraCerts) print("boot, the same without NODE_EXTRA_CA_CERTS", await boots(() => ["--data-dir", join(dataDir, "seed")], runs, undefined, withoutCerts), 300);

    // Idle: the everyday start (state restored), nothing asked: once its start's work is done,
    // and again at rest, once V8's memory reducer has run (its first pass comes ~8 s after a
    // start's last full GC, in the server and the engine alike, and gives back ~9 MiB here).
    const server = await startServer(["--data-dir", join(dataDir, "seed")]);
    const readyAt = performance.now();
    try {
      const report = (label: string) => {
        const idle = treeMemory(server.child.pid!);
        line(
          label,
          idle
            ? `${mib(idle.pss)} PSS, ${mib(idle.rss)} RSS summed over ${idle.processes} process${idle.processes === 1 ? "" : "es"}  (${target(idle.pss, 120, "MiB")} by PSS, ${idle.rss <= 120 ? "met" : "not met"} by RSS)`
            : "n/a (no /proc here)",
        );
      };
      await settled(server.child.pid!, quick ? 3_000 : 10_000);
      report("idle, the app provisioned, its start just done");
      if (!quick) {
        await new Promise((r) => setTimeout(r, Math.max(0, REST_AFTER_MS - (performance.now() - readyAt))));
        report(`idle, the same at rest (${REST_AFTER_MS / 1000} s after ready)`);
      }
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("bench-boot.ts")) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  benchBoot(values.quick).catch((error: unknown) => {
    process.stderr.write(`bench-boot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
