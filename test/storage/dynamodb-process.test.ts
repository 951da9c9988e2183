import { afterEach, describe, expect, it, vi } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { freePort } from "../support/net.js";
import { sdkConfig } from "../support/clients.js";

/**
 * The dev server as a user starts it (`npm start -- --ephemeral --bare`), with its DynamoDB
 * engine stuck in a parse: SIGTERM still ends it at once, and a server killed -9 leaves no
 * engine process (nor its temporary LevelDB) behind.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** DynamoDB serves it; dynalite's parser takes hours over it (see dynamodb-engine.test.ts). */
const STUCK_FILTER = (() => {
  let e = "pk = :v";
  for (let i = 0; i < 14; i++) e = `pk = :v AND (${e})`;
  return e;
})();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8"));
}

let server: ChildProcess | undefined;
let client: DynamoDBClient | undefined;
afterEach(() => {
  client?.destroy();
  if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  server = undefined;
});

/** Starts the CLI and waits for its engine, forked by a first CreateTable. */
async function serverWithEngine(env: Record<string, string> = {}): Promise<{ engine: number; directory: string; exited: Promise<number | null>; endpoint: string }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", "--ephemeral", "--bare", "--port", String(port)], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, ...env },
  });
  const child = server;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started = await vi.waitFor(
    async () => {
      const response = await fetch(`${endpoint}/_rekognito/health`);
      expect(response.status).toBe(200);
      return (await response.json()) as { services: { dynamodb: { state: string; pid: number | null; tables: number } } };
    },
    { timeout: 30_000, interval: 50 },
  );
  // --bare forks the engine at the first DynamoDB request (this CreateTable), not as it starts.
  expect(started.services.dynamodb).toMatchObject({ state: "not-started", pid: null, tables: 0 });
  client = new DynamoDBClient(sdkConfig(endpoint, { maxAttempts: 1 }));
  await client.send(
    new CreateTableCommand({
      TableName: "stuck",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  const engine = await vi.waitFor(
    async () => {
      const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { services: { dynamodb: { state: string; pid: number } } };
      expect(health.services.dynamodb.state).toBe("running");
      return health.services.dynamodb.pid;
    },
    { timeout: 30_000, interval: 50 },
  );
  const args = readFileSync(`/proc/${engine}/cmdline`, "utf8").split("\0");
  const directory = (JSON.parse(args.find((a) => a.startsWith("{"))!) as { path: string }).path;
  return { engine, directory, exited, endpoint };
}

/** Starts the CLI, waits for its engine, and leaves the engine stuck on a Scan. */
async function serverWithStuckEngine(): Promise<{ engine: number; directory: string; exited: Promise<number | null> }> {
  const { engine, directory, exited } = await serverWithEngine();
  // Sent and left hanging: the engine is now busy in its parser for hours.
  client!.send(new ScanCommand({ TableName: "stuck", FilterExpression: STUCK_FILTER, ExpressionAttributeValues: { ":v": { S: "x" } } })).catch(() => undefined);
  // The engine is pegged: it no longer reads its CPU time as idle.
  const busy = () => Number(readFileSync(`/proc/${engine}/stat`, "utf8").split(") ")[1]!.split(" ")[11]);
  const before = busy();
  await vi.waitFor(() => expect(busy()).toBeGreaterThan(before + 20), { timeout: 20_000, interval: 50 });
  return { engine, directory, exited };
}

describe.skipIf(process.platform !== "linux")("the dev server and its DynamoDB engine process", () => {
  it("ends promptly on SIGTERM while the engine is stuck, and the engine with it", async () => {
    const { engine, directory, exited } = await serverWithStuckEngine();
    server!.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(running(engine)).toBe(false);
    expect(existsSync(directory)).toBe(false);
  });

  it("runs a watchdog that waits without starting processes, and ends with its engine", async () => {
    const { engine, endpoint } = await serverWithEngine();
    const health = async () => ((await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { services: { dynamodb: { state: string; pid: number | null } } }).services.dynamodb;
    const children = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    const watchdog = children(engine)[0]!;
    expect(readFileSync(`/proc/${watchdog}/cmdline`, "utf8")).toContain("rekognito-dynamodb-watchdog");
    // Blocked in its read of the server's socket: asleep, with no `sleep` or other process of its own.
    expect(readFileSync(`/proc/${watchdog}/stat`, "utf8").split(") ")[1]!.split(" ")[0]).toBe("S");
    expect(children(watchdog)).toEqual([]);
    // The engine crashes: the server starts another (with a watchdog of its own), and the old watchdog ends.
    process.kill(engine, "SIGKILL");
    await client!.send(new CreateTableCommand({ TableName: "second", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] })).catch(() => undefined);
    const next = await vi.waitFor(async () => {
      const d = await health();
      expect(d.state).toBe("running");
      expect(d.pid).not.toBe(engine);
      return d.pid!;
    }, { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(running(watchdog)).toBe(false), { timeout: 10_000, interval: 50 });
    expect(children(next)).toHaveLength(1);
    expect(running(next)).toBe(true);
  });

  it("starts its engine without the server's NODE_OPTIONS and extra CA certificates", async () => {
    // Node 20 reads and parses NODE_EXTRA_CA_CERTS at every start (50-60 ms and ~2 MiB with a
    // system bundle); the engine makes no TLS connection. NODE_OPTIONS may hold the server's loader.
    const bundle = existsSync("/etc/ssl/certs/ca-certificates.crt") ? "/etc/ssl/certs/ca-certificates.crt" : fileURLToPath(import.meta.url);
    const { engine } = await serverWithEngine({ NODE_EXTRA_CA_CERTS: bundle, NODE_OPTIONS: "--max-http-header-size=16384" });
    const environment = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    expect(environment(server!.pid!)).toContain(`NODE_EXTRA_CA_CERTS=${bundle}`);
    const engines = environment(engine);
    expect(engines.filter((line) => /^(NODE_EXTRA_CA_CERTS|NODE_OPTIONS)=/.test(line))).toEqual([]);
    // The rest of the server's environment is the engine's.
    expect(engines).toContain(`PATH=${process.env.PATH}`);
  });

  it("leaves no engine behind when it is killed -9, even with the engine stuck", async () => {
    const { engine, directory, exited } = await serverWithStuckEngine();
    server!.kill("SIGKILL");
    await exited;
    // The engine's watchdog sees the server's socket close and ends it, removing its directory.
    await vi.waitFor(
      () => {
        expect(running(engine)).toBe(false);
        expect(existsSync(directory)).toBe(false);
      },
      { timeout: 10_000, interval: 50 },
    );
  });
});
