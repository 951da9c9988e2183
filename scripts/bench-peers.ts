/**
 * rekognito beside its peers in one run, for `npm run bench` (also `tsx scripts/bench-peers.ts`):
 * rekognito's CLI (`--bare`, the emulator alone), moto's server and cognito-local, each
 * started alone as a process of its own (never two at once, so none takes the other's
 * cores), driven by the same unmodified SDK v3 client:
 *
 *   spawn to ready       from spawn until ListUserPools first answers
 *   RSS                  of the server's process tree when ready, and its peak after the calls
 *   SignUp, InitiateAuth calls per second at 16 concurrent (USER_PASSWORD_AUTH), each user
 *                        signed up, confirmed by AdminConfirmSignUp, then signed in; after a
 *                        warm-up round of the same calls for other users (unmeasured, for every
 *                        peer alike), so that the figure is the server's steady rate rather than
 *                        the first seconds of a JIT (the bench's own client's included); beside
 *                        it the CPU time per call of the server's process tree and of the bench's
 *                        client, since on 2 cores the two share the machine: their sum bounds the
 *                        rate
 *
 * Every figure is printed with rekognito's ratio to it, since these machines are noisy and a
 * ratio measured in one run says more than two absolute figures from two runs. A peer that is
 * not installed is skipped with the reason. rekognito runs as `npm start` runs it (the compiled
 * server, `node bin/rekognito.js`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolsCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { freePort, line, load, mib, ms, ROOT, treeMemory } from "./bench-tools.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

interface Peer {
  name: string;
  /** Why it cannot run here, or undefined. */
  missing(): string | undefined;
  start(port: number, dir: string): ChildProcess;
}

const PEERS: Peer[] = [
  {
    name: "rekognito",
    missing: () => undefined,
    start: (port) =>
      spawn(process.execPath, ["bin/rekognito.js", "--ephemeral", "--bare", "--quiet", "--port", String(port)], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] }),
  },
  {
    name: "moto",
    missing: () => {
      const probe = spawnSync("python3", ["-c", "import moto.server"], { encoding: "utf8" });
      if (probe.error) return `python3 is not available (${probe.error.message})`;
      return probe.status === 0 ? undefined : "python3 cannot import moto.server (pip install 'moto[server]')";
    },
    start: (port) => spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] }),
  },
  {
    name: "cognito-local",
    missing: () => (cognitoLocalBin() ? undefined : "cognito-local is not installed (a dev dependency: npm ci without --omit=dev)"),
    // Its data (stormdb JSON files) goes to .cognito/ under its working directory: a temporary one.
    start: (port, dir) =>
      spawn(process.execPath, [cognitoLocalBin()!], { cwd: dir, env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" }, stdio: ["ignore", "ignore", "pipe"] }),
  },
];

function cognitoLocalBin(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("cognito-local/package.json");
    const bin = join(dirname(pkg), (JSON.parse(readFileSync(pkg, "utf8")) as { bin: string }).bin);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

async function concurrently(total: number, width: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

interface Rate {
  perSecond: number;
  /** CPU time per call, ms: the server's process tree (Linux only) and the bench's own client. */
  serverCpu?: number;
  clientCpu: number;
}

interface Figures {
  readyMs: number;
  readyRss?: number;
  peakRss?: number;
  signUps: Rate;
  initiateAuths: Rate;
}

const PASSWORD = "Bench-Passw0rd!";

async function measure(peer: Peer, quick: boolean): Promise<Figures> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `rekognito-bench-${peer.name}-`));
  const started = performance.now();
  const child = peer.start(port, dir);
  let exited: string | undefined;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.once("exit", (code, signal) => (exited = `exited (${signal ?? code})`));
  try {
    const cognito = new CognitoIdentityProviderClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    for (;;) {
      if (exited) throw new Error(`${peer.name} ${exited} before it answered: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
      try {
        await cognito.send(new ListUserPoolsCommand({ MaxResults: 1 }));
        break;
      } catch {
        if (performance.now() - started > 60_000) throw new Error(`${peer.name} did not answer in 60 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const readyMs = performance.now() - started;
    // Let start-up work settle (a lazy import, a first GC) before reading the ready footprint.
    await new Promise((r) => setTimeout(r, 500));
    const ready = treeMemory(child.pid!);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "bench" }));
    const poolId = pool.UserPool!.Id!;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "bench", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
    );
    const clientId = client.UserPoolClient!.ClientId!;
    const round = async (prefix: string, users: number) => {
      const name = (i: number) => `${prefix}${i}@bench.example`;
      const signUps = await rate(child.pid!, users, (i) =>
        cognito.send(new SignUpCommand({ ClientId: clientId, Username: name(i), Password: PASSWORD, UserAttributes: [{ Name: "email", Value: name(i) }] })),
      );
      await concurrently(users, 16, (i) => cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: name(i) })));
      const initiateAuths = await rate(child.pid!, users, async (i) => {
        const out = await cognito.send(new InitiateAuthCommand({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId, AuthParameters: { USERNAME: name(i), PASSWORD } }));
        if (!out.AuthenticationResult?.IdToken) throw new Error(`${peer.name}: InitiateAuth issued no tokens`);
      });
      return { signUps, initiateAuths };
    };
    await round("warm", quick ? 40 : 300);
    const { signUps, initiateAuths } = await round("user", quick ? 80 : 600);
    const peak = peakRss(child.pid!);
    return { readyMs, readyRss: ready?.rss, peakRss: peak, signUps, initiateAuths };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Calls per second at 16 concurrent, and the CPU each call took in the server's tree and here. */
async function rate(pid: number, total: number, call: (i: number) => Promise<unknown>): Promise<Rate> {
  const server = treeCpu(pid);
  const client = process.cpuUsage();
  const perSecond = await concurrently(total, 16, call);
  const used = process.cpuUsage(client);
  const serverAfter = treeCpu(pid);
  return {
    perSecond,
    serverCpu: server !== undefined && serverAfter !== undefined ? (serverAfter - server) / total : undefined,
    clientCpu: (used.user + used.system) / 1000 / total,
  };
}

/** CPU time (user + system) of a process tree so far, ms; undefined off Linux. */
function treeCpu(pid: number): number | undefined {
  const ticks = overTree(pid, (p) => {
    const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  });
  return ticks === undefined ? undefined : ticks * 10;
}

/** `read` of each process of a tree, summed (a process gone meanwhile counts 0); undefined off Linux. */
function overTree(pid: number, read: (pid: number) => number): number | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  let sum = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      sum += read(p);
      stack.push(...readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // gone
    }
  }
  return sum;
}

const ratio = (ours: number, theirs: number, higherIsBetter: boolean) => {
  const r = higherIsBetter ? ours / theirs : theirs / ours;
  return `rekognito ${r >= 1 ? `${r.toFixed(1)}× better` : `${(1 / r).toFixed(1)}× worse`}`;
};
/** The peak RSS (VmHWM) of a process tree, summed, MiB; undefined off Linux. */
function peakRss(pid: number): number | undefined {
  return overTree(pid, (p) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024);
}

export async function benchPeers(quick: boolean): Promise<void> {
  const results = new Map<string, Figures>();
  for (const peer of PEERS) {
    const why = peer.missing();
    if (why) {
      line(`${peer.name}`, `skipped: ${why}`);
      continue;
    }
    try {
      results.set(peer.name, await measure(peer, quick));
    } catch (error) {
      line(`${peer.name}`, `failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const ours = results.get("rekognito");
  for (const [name, f] of results) {
    const vs = name !== "rekognito" && ours;
    line(`${name}: spawn to ready`, `${ms(f.readyMs)}${vs ? `  (${ratio(ours.readyMs, f.readyMs, false)})` : ""}`);
    line(`${name}: RSS when ready / peak`, `${mib(f.readyRss)} / ${mib(f.peakRss)}${vs && ours.peakRss && f.peakRss ? `  (peak: ${ratio(ours.peakRss, f.peakRss, false)})` : ""}`);
    for (const [action, r, mine] of [
      ["SignUp", f.signUps, ours?.signUps],
      ["InitiateAuth", f.initiateAuths, ours?.initiateAuths],
    ] as const) {
      const cpu = `CPU a call: server ${r.serverCpu === undefined ? "?" : `${r.serverCpu.toFixed(2)} ms`}, bench client ${r.clientCpu.toFixed(2)} ms`;
      line(`${name}: ${action} /s @ 16 concurrent`, `${r.perSecond.toFixed(0)}${vs && mine ? `  (${ratio(mine.perSecond, r.perSecond, true)})` : ""}; ${cpu}`);
    }
  }
  const moto = results.get("moto");
  if (ours && moto) {
    const least = Math.min(ours.signUps.perSecond / moto.signUps.perSecond, ours.initiateAuths.perSecond / moto.initiateAuths.perSecond);
    line("Cognito calls vs moto (target at least 5×)", `${least.toFixed(1)}× at the least (${least >= 5 ? "met" : "not met"})`);
  }
  line("(load average at the end)", load());
}

const isMain = process.argv[1]?.endsWith("bench-peers.ts");
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  benchPeers(values.quick).catch((error: unknown) => {
    process.stderr.write(`bench-peers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
