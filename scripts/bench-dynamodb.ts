/**
 * DynamoDB's figures for npm run bench, through the AWS SDK against a started stack:
 *
 *   stack start           startStack() until it listens, and until DynamoDB first answers
 *   engine spawn-to-ready the engine process's start, fork to listening
 *   vs dynalite alone     PutItem and Query on a GSI, one at a time, through rekognito started
 *                         as npm start runs it (`node bin/rekognito.js --bare --ephemeral`, a
 *                         process of its own: the bench's SDK client never shares its thread),
 *                         then as a test suite starts it (startStack() in this process), and
 *                         through dynalite started alone (its own process, a LevelDB directory
 *                         as rekognito's engine has), in the same run, rounds interleaved: the
 *                         SDK's p50s and p10s, their difference (issue 12: at most 0.3 ms), the
 *                         load average beside each round; then, with a raw pre-signed client
 *                         (the SDK's own ~1 ms of CPU a call left out), each server's p50 and
 *                         CPU time per call (rekognito's server process, the gateway, and its
 *                         engine process apart)
 *   PutItem / Query       p50/p99 one at a time on a data directory
 *   pathological inputs   how long the requests of issue 10 take to be answered (they used to
 *                         end the server, or hold it for minutes), and a kill -9 of the engine
 *                         until the next write is acknowledged
 *
 * `tsx scripts/bench-dynamodb.ts --compare [--quick]` runs the comparison alone.
 *
 * On a shared machine the figures move with the others' load: each process sleeps while the
 * other works and finds its caches cold (measured: the same gateway path costs ~0.1 ms of CPU
 * a call kept busy, ~0.45 ms when it sleeps between calls at load 4). The CPU per call says
 * what a quiet machine would see better than the p50s do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, type Socket } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startStack, type Stack } from "../server/stack.js";
import type { DynamoDBComponent } from "../server/storage/dynamodb/index.js";
import { freePort, line, ms, percentile, timed } from "./bench-tools.js";

// The test pair: rekognito verifies its signatures, as it does for most setups (README).
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

async function createBenchTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: "bench",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
}

async function putAndQuery(stack: Stack, label: string, rounds: number): Promise<void> {
  const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
  try {
    await createBenchTable(client);
    const puts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const item = { pk: { S: `user-${i % 20}` }, sk: { N: String(i) }, faceId: { S: `face-${i}` }, score: { N: "99.5" } };
      puts.push(await timed(() => client.send(new PutItemCommand({ TableName: "bench", Item: item }))));
    }
    const queries: number[] = [];
    for (let i = 0; i < rounds; i++) {
      queries.push(
        await timed(() =>
          client.send(new QueryCommand({ TableName: "bench", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: `user-${i % 20}` } } })),
        ),
      );
    }
    line(`DynamoDB PutItem p50 / p99 (${label})`, `${ms(percentile(puts, 50))} / ${ms(percentile(puts, 99))}  (${rounds} items)`);
    line(`DynamoDB Query p50 / p99 (${label})`, `${ms(percentile(queries, 50))} / ${ms(percentile(queries, 99))}  (${rounds} queries)`);
  } finally {
    client.destroy();
  }
}

/** A table as the app's users table is: a hash key and a GSI on email, projecting all. */
async function createGsiTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: "users",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "sub", AttributeType: "S" },
        { AttributeName: "email", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "sub", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [{ IndexName: "by-email", KeySchema: [{ AttributeName: "email", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
    }),
  );
  // dynalite makes a table ACTIVE on a timer, even with createTableMs 0: a write before is refused.
  while ((await client.send(new DescribeTableCommand({ TableName: "users" }))).Table?.TableStatus !== "ACTIVE") await new Promise((r) => setTimeout(r, 10));
}

/** A process's CPU time so far (user + system), in ms, from /proc (Linux); null elsewhere. */
function cpuOf(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return null;
  }
}

/**
 * rekognito as `npm start` runs it, the emulator alone: `node bin/rekognito.js --bare
 * --ephemeral`, its own process (and its DynamoDB engine's), until DynamoDB first answers.
 */
async function startRekognito(): Promise<{ endpoint: string; child: ChildProcess; engine: () => number | undefined }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["bin/rekognito.js", "--bare", "--ephemeral", "--quiet", "--port", String(port)], {
    cwd: new URL("..", import.meta.url),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    for (const started = performance.now(); ; ) {
      if (child.exitCode !== null) throw new Error(`rekognito exited (${child.exitCode})`);
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch {
        if (performance.now() - started > 60_000) throw new Error("rekognito did not answer in 60 s");
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    probe.destroy();
  }
  // The engine is the server's node child (the other is its watchdog's shell).
  const engine = () => {
    try {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      return children.find((pid) => /node/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8")));
    } catch {
      return undefined;
    }
  };
  return { endpoint, child, engine };
}

/** dynalite started alone, as a peer would run it: its own process, on a LevelDB directory. */
async function startDynalite(directory: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const entry = createRequire(import.meta.url).resolve("dynalite");
  const script = `require(${JSON.stringify(entry)})({ path: ${JSON.stringify(directory)}, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }).listen(${port}, "127.0.0.1", () => process.stdout.write("ready\\n"));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`dynalite exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

interface Round {
  put: number;
  query: number;
  /** The lowest decile: what a call takes when the machine's other work lets it run. */
  put10: number;
  query10: number;
  load: number;
}

/** One round against one endpoint: `rounds` PutItems then `rounds` Queries on the GSI, one at a time. */
async function round(client: DynamoDBClient, rounds: number, offset: number): Promise<Round> {
  const puts: number[] = [];
  const queries: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const n = offset + i;
    const item = { sub: { S: `sub-${n}` }, email: { S: `user${n % 50}@bench.example` }, faceId: { S: `face-${n}` }, confirmed: { BOOL: true } };
    puts.push(await timed(() => client.send(new PutItemCommand({ TableName: "users", Item: item }))));
  }
  for (let i = 0; i < rounds; i++) {
    const values = { ":e": { S: `user${i % 50}@bench.example` } };
    queries.push(await timed(() => client.send(new QueryCommand({ TableName: "users", IndexName: "by-email", KeyConditionExpression: "email = :e", ExpressionAttributeValues: values }))));
  }
  return { put: percentile(puts, 50), query: percentile(queries, 50), put10: percentile(puts, 10), query10: percentile(queries, 10), load: loadavg()[0]! };
}

const median = (values: number[]): number => percentile(values, 50);
const signedMs = (d: number): string => `${d < 0 ? "-" : "+"}${ms(Math.abs(d))}`;

/**
 * A client that costs next to nothing, for the servers' CPU per call: requests signed once
 * (SigV4 with the test pair, by hand: the bench must not sign with the code it measures),
 * written whole on one keep-alive socket, answers read by Content-Length.
 */
class RawClient {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: ((status: number) => void) | null = null;
  constructor(private readonly port: number) {}

  private async open(): Promise<Socket> {
    // A server may close an idle keep-alive connection (dynalite's after 5 s): open another.
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(this.port, "127.0.0.1", () => resolve(s)).once("error", reject);
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString("latin1");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      this.buffer = this.buffer.subarray(end + 4 + length);
      const waiter = this.waiter;
      this.waiter = null;
      waiter?.(Number(head.slice(9, 12)));
    });
    this.socket = socket;
    return socket;
  }

  sign(target: string, input: object): Buffer {
    const sha = (data: string) => createHash("sha256").update(data).digest("hex");
    const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
    const body = JSON.stringify(input);
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.0",
      host: `127.0.0.1:${this.port}`,
      "x-amz-date": amzDate,
      "x-amz-target": `DynamoDB_20120810.${target}`,
    };
    const names = Object.keys(headers).sort();
    const canonical = ["POST", "/", "", ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), sha(body)].join("\n");
    const scope = `${day}/us-east-1/dynamodb/aws4_request`;
    const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), "us-east-1"), "dynamodb"), "aws4_request");
    const signature = createHmac("sha256", key).update(["AWS4-HMAC-SHA256", amzDate, scope, sha(canonical)].join("\n")).digest("hex");
    const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
    const lines = [`POST / HTTP/1.1`, ...names.map((n) => `${n}: ${headers[n]}`), `authorization: ${authorization}`, `content-length: ${Buffer.byteLength(body)}`];
    return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
  }

  async send(request: Buffer): Promise<void> {
    const socket = await this.open();
    const status = await new Promise<number>((resolve) => {
      this.waiter = resolve;
      socket.write(request);
    });
    if (status !== 200) throw new Error(`the raw client's request was answered ${status}`);
  }

  close(): void {
    this.socket?.destroy();
  }
}

/** PutItem and Query on the GSI, signed once each, in turn: `count` of each kind. */
function rawRequests(client: RawClient, count: number): Buffer[] {
  const requests: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const email = { S: `user${n % 50}@bench.example` };
    requests.push(client.sign("PutItem", { TableName: "users", Item: { sub: { S: `raw-${n}` }, email, faceId: { S: `face-${n}` }, confirmed: { BOOL: true } } }));
    requests.push(client.sign("Query", { TableName: "users", IndexName: "by-email", KeyConditionExpression: "email = :e", ExpressionAttributeValues: { ":e": email } }));
  }
  return requests;
}

/** The two servers as one round sees them: an SDK client, a raw client and where its CPU time is read. */
interface Side {
  sdk: DynamoDBClient;
  raw: RawClient;
  requests: Buffer[];
  /** The server's CPU so far, ms: dynalite's process, or rekognito's server process (the gateway). */
  serverCpu: () => number | null;
  /** rekognito's engine process's CPU so far, ms. */
  engineCpu?: () => number | null;
}

/** Runs `run` on both sides, the order alternating by round, so neither always goes first after a pause. */
async function alternate(repeats: number, run: (side: "ours" | "theirs", r: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < repeats; r++) for (const side of r % 2 === 0 ? (["theirs", "ours"] as const) : (["ours", "theirs"] as const)) await run(side, r);
}

/**
 * rekognito against dynalite alone, in the same run, through the SDK: interleaved rounds (the
 * machine's load changes under both alike), p50 per round, the median of those.
 */
async function sdkRounds(sides: Record<"ours" | "theirs", Side>, rounds: number, repeats: number, how: string): Promise<void> {
  const results: Record<"ours" | "theirs", Round[]> = { ours: [], theirs: [] };
  await alternate(repeats, async (side, r) => {
    results[side].push(await round(sides[side].sdk, rounds, r * rounds));
    if (side === (r % 2 === 0 ? "ours" : "theirs")) {
      const [a, b] = [results.ours.at(-1)!, results.theirs.at(-1)!];
      line(`  round ${r + 1}: PutItem / Query GSI p50`, `rekognito ${ms(a.put)} / ${ms(a.query)}, dynalite ${ms(b.put)} / ${ms(b.query)}  (load ${a.load.toFixed(2)})`);
    }
  });
  const of = (side: "ours" | "theirs", pick: (r: Round) => number) => median(results[side].map(pick));
  const verdict = (d: number) => (d <= 0.3 ? "met" : "not met");
  for (const [label, pick] of [
    ["PutItem", (r: Round) => r.put],
    ["Query GSI", (r: Round) => r.query],
  ] as const) {
    const [a, b] = [of("ours", pick), of("theirs", pick)];
    line(`DynamoDB ${label} p50, rekognito ${how} / dynalite`, `${ms(a)} / ${ms(b)}: ${signedMs(a - b)} (target +0.30 ms: ${verdict(a - b)})`);
  }
  const [p1, p2, q1, q2] = [of("ours", (r) => r.put10), of("theirs", (r) => r.put10), of("ours", (r) => r.query10), of("theirs", (r) => r.query10)];
  line("  p10 PutItem; Query GSI, rekognito / dynalite", `${ms(p1)} / ${ms(p2)}: ${signedMs(p1 - p2)}; ${ms(q1)} / ${ms(q2)}: ${signedMs(q1 - q2)}`);
  line("  load average (1 min) over the rounds", `${median(results.ours.map((m) => m.load)).toFixed(2)} (median), ${repeats} rounds of ${rounds} + ${rounds} calls each`);
}

/**
 * CPU per call, with the raw client (the SDK's own work, ~1 ms a call on this machine, stays out
 * of it): dynalite's process's, and rekognito's server process (the gateway) and its engine
 * process, read apart and summed.
 */
async function cpuRounds(sides: Record<"ours" | "theirs", Side>, calls: number, repeats: number): Promise<void> {
  const server: Record<"ours" | "theirs", number[]> = { ours: [], theirs: [] };
  const engine: number[] = [];
  const p50: Record<"ours" | "theirs", number[]> = { ours: [], theirs: [] };
  for (const side of ["ours", "theirs"] as const) for (const request of sides[side].requests) await sides[side].raw.send(request);
  await alternate(repeats, async (side) => {
    const { raw, requests, serverCpu, engineCpu } = sides[side];
    const [server0, engine0] = [serverCpu(), engineCpu?.() ?? null];
    const times: number[] = [];
    for (let i = 0; i < calls; i++) times.push(await timed(() => raw.send(requests[i % requests.length]!)));
    const [server1, engine1] = [serverCpu(), engineCpu?.() ?? null];
    if (server0 !== null && server1 !== null) server[side].push((server1 - server0) / calls);
    if (engine0 !== null && engine1 !== null) engine.push((engine1 - engine0) / calls);
    p50[side].push(percentile(times, 50));
  });
  const [a, b] = [median(p50.ours), median(p50.theirs)];
  line("  raw client p50 (both kinds), rekognito / dynalite", `${ms(a)} / ${ms(b)}: ${signedMs(a - b)}  (load ${loadavg()[0]!.toFixed(2)})`);
  if (!server.ours.length || !server.theirs.length || !engine.length) return;
  const gateway = median(server.ours);
  const ours = gateway + median(engine);
  const theirs = median(server.theirs);
  line("  server CPU per call, rekognito / dynalite", `${ms(ours)} / ${ms(theirs)}: ${signedMs(ours - theirs)}  (rekognito's gateway ${ms(gateway)}, engine ${ms(median(engine))})`);
}

/**
 * rekognito beside dynalite alone. `process`: rekognito as npm start runs it, a process of its
 * own, as dynalite is (the SDK rounds, then the raw client's CPU rounds). `in-process`:
 * startStack() in this process, as a test suite runs it, its gateway on the thread of the
 * bench's SDK client (the SDK rounds only).
 */
async function versusDynalite(rounds: number, repeats: number, mode: "process" | "in-process" = "process", warmUp = 1000): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "rekognito-bench-dynalite-"));
  const peer = await startDynalite(directory);
  const ours = mode === "process" ? await startRekognito() : null;
  const stack = mode === "in-process" ? await startStack() : null;
  const side = (endpoint: string, serverCpu: () => number | null, engineCpu?: () => number | null): Side => {
    const raw = new RawClient(Number(new URL(endpoint).port));
    return { sdk: new DynamoDBClient({ endpoint, region: "us-east-1", credentials }), raw, requests: rawRequests(raw, 200), serverCpu, engineCpu };
  };
  const sides = {
    ours: ours ? side(ours.endpoint, () => cpuOf(ours.child.pid), () => cpuOf(ours.engine())) : side(stack!.endpoint, () => null),
    theirs: side(peer.endpoint, () => cpuOf(peer.child.pid)),
  };
  try {
    for (const s of Object.values(sides)) {
      await createGsiTable(s.sdk);
      // Warm: connections, LevelDB's first files, and the JITs (rekognito's server and engine
      // each reach their steady cost only after ~2,000 calls: 0.9 -> 0.37 ms of the server's
      // CPU a PutItem, measured), so that the rounds compare steady states.
      await round(s.sdk, warmUp, 1_000_000);
    }
    await sdkRounds(sides, rounds, repeats, mode === "process" ? "(own process)" : "(in-process)");
    if (ours) await cpuRounds(sides, rounds * 4, repeats);
  } finally {
    for (const s of Object.values(sides)) {
      s.sdk.destroy();
      s.raw.close();
    }
    await stack?.close();
    ours?.child.kill("SIGTERM");
    peer.child.kill("SIGTERM");
    await Promise.all([ours?.child, peer.child].map((c) => (!c || c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once("exit", r)))));
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The time to an answer (whatever it is: these are refused). */
async function answered(request: () => Promise<unknown>): Promise<string> {
  const started = performance.now();
  let outcome = "ok";
  try {
    await request();
  } catch (error) {
    outcome = (error as Error).name;
  }
  return `${ms(performance.now() - started)}  ${outcome}`;
}

async function pathological(): Promise<void> {
  const deadlineMs = 2000;
  const stack = await startStack({ dynamodb: { deadlineMs } });
  const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    await createBenchTable(client);
    let deep: AttributeValue = { S: "x" };
    for (let i = 0; i < 1000; i++) deep = { L: [deep] };
    line("PutItem, a value nested 1,000 levels", await answered(() => client.send(new PutItemCommand({ TableName: "bench", Item: { pk: { S: "p" }, sk: { N: "1" }, v: deep } }))));
    const arn = (await client.send(new DescribeTableCommand({ TableName: "bench" }))).Table!.TableArn!;
    const tag = { Key: "k" } as { Key: string; Value: string };
    line("TagResource, a tag without Value", await answered(() => client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [tag] }))));
    const values = { ":v": { S: "p" } };
    const parens = `${"(".repeat(25)}pk = :v${")".repeat(25)}`;
    line("Scan, 25 redundant parentheses", await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: parens, ExpressionAttributeValues: values }))));
    let nested = "pk = :v";
    for (let i = 0; i < 14; i++) nested = `pk = :v AND (${nested})`;
    line(
      `Scan, 14 nested groups (deadline ${deadlineMs} ms)`,
      await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: nested, ExpressionAttributeValues: values }))),
    );
    line("  the same Scan again (an SDK retry)", await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: nested, ExpressionAttributeValues: values }))));
    const engine = (stack.app.components.find((c) => c.name === "dynamodb") as DynamoDBComponent).engine;
    await engine.ready();
    const killed = performance.now();
    process.kill(engine.pid!, "SIGKILL");
    const retrying = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
    await retrying.send(new PutItemCommand({ TableName: "bench", Item: { pk: { S: "after" }, sk: { N: "1" } } }));
    retrying.destroy();
    line("kill -9 of the engine to the next acknowledged write", ms(performance.now() - killed));
  } finally {
    client.destroy();
    await stack.close();
  }
}

export async function benchDynamoDB(quick: boolean): Promise<void> {
  // `tsx scripts/bench-dynamodb.ts --compare [--quick]`: the comparison with dynalite alone, only.
  if (process.argv.includes("--compare")) {
    await versusDynalite(quick ? 200 : 500, quick ? 3 : 7, "process", quick ? 200 : 1000);
    return versusDynalite(quick ? 200 : 500, quick ? 3 : 7, "in-process", quick ? 200 : 1000);
  }
  const starts: number[] = [];
  const firstAnswers: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const started = performance.now();
    const stack = await startStack();
    starts.push(performance.now() - started);
    const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
    await client.send(new ListTablesCommand({}));
    firstAnswers.push(performance.now() - started);
    client.destroy();
    const dynamodb = stack.app.components.find((c) => c.name === "dynamodb") as Partial<DynamoDBComponent> | undefined;
    if (dynamodb?.engine?.spawnToReadyMs != null) engine.push(dynamodb.engine.spawnToReadyMs);
    await stack.close();
  }
  line("startStack() (ephemeral, p50)", `${ms(percentile(starts, 50))}  (of ${starts.length})`);
  line("startStack() to the first DynamoDB answer (p50)", `${ms(percentile(firstAnswers, 50))}  (of ${firstAnswers.length})`);
  if (engine.length) line("DynamoDB engine spawn-to-ready (p50)", `${ms(percentile(engine, 50))}  (of ${engine.length})`);

  await versusDynalite(quick ? 200 : 500, quick ? 3 : 7, "process", quick ? 200 : 1000);
  await versusDynalite(quick ? 200 : 500, quick ? 3 : 7, "in-process", quick ? 200 : 1000);
  const rounds = quick ? 200 : 1000;
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-bench-ddb-"));
  try {
    const persisted = await startStack({ dataDir, ephemeral: false });
    try {
      await putAndQuery(persisted, "data dir", rounds);
    } finally {
      await persisted.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  await pathological();
}

if (process.argv[1]?.endsWith("bench-dynamodb.ts")) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  await benchDynamoDB(process.argv.includes("--quick"));
}
