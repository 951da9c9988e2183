/**
 * The Lambda runner's figures for npm run bench (also alone: `tsx scripts/bench-lambda.ts [--quick]`):
 *
 *   per runtime          node (JavaScript), node + SDK (a TypeScript handler importing the SDK,
 *                        compiled by the runner), python, python + boto3, provided (a shell
 *                        bootstrap with curl): cold start (Invoke of a fresh environment, and its
 *                        Init Duration), warm invoke p50, RSS and PSS of the idle environment
 *   stack idle           the dev server (`npm start` as a user runs it, the app provisioned) after
 *                        a sign-in, once its idle environments are reclaimed: RSS of its process
 *                        tree, environments left
 *   face sign-ins        against that dev server, sign-ins through the app's real Lambdas: p50 one
 *                        at a time; per second at 16 concurrent; 64 concurrent from cold (a
 *                        restart with the users enrolled, no environment warm): p50, p99 and rate;
 *                        each with the peak RSS and PSS of the server's whole process tree (the
 *                        server, its DynamoDB engine and every Lambda environment), sampled every
 *                        25 ms. RSS counts the node binary's shared pages once per process; PSS
 *                        shares them out, so its sum is the memory the stack really holds.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import type { LambdaService } from "../server/lambda/index.js";
import { startStack } from "../server/stack.js";
import { FaceLoginClient } from "../server/face-login/face-login-client.js";
import { enrol, readPersonas } from "../server/face-login/seed.js";
import { ensureCompiled, line, mib, ms, percentile, startServer, target, treeMemory, watchPeak } from "./bench-tools.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

// ------------------------------------------------------------------ runtimes

const CURL_BOOTSTRAP = `#!/bin/bash
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
  rm -f "$HEADERS"
  curl -sS -X POST "$API/invocation/$ID/response" -d "$EVENT" >/dev/null
done
`;

interface RuntimeCase {
  label: string;
  runtime: string;
  handler: string;
  files: Record<string, string | { text: string; mode: number }>;
  needs?: string;
  /** Measured by the full run only (--quick keeps node, python and provided). */
  full?: boolean;
}

const RUNTIMES: RuntimeCase[] = [
  { label: "node (JavaScript)", runtime: "nodejs22.x", handler: "index.handler", files: { "index.mjs": "export const handler = async (event) => event;\n" } },
  {
    label: "node + SDK (TypeScript, compiled)",
    full: true,
    runtime: "nodejs22.x",
    handler: "index.handler",
    files: {
      "package.json": JSON.stringify({ type: "module" }),
      "index.ts": `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\nconst db = DynamoDBDocumentClient.from(new DynamoDBClient({}));\nexport const handler = async (event: unknown): Promise<unknown> => (db ? event : null);\n`,
    },
  },
  { label: "python", runtime: "python3.12", handler: "app.handler", files: { "app.py": "def handler(event, context):\n    return event\n" }, needs: "python3" },
  {
    label: "python + boto3",
    full: true,
    runtime: "python3.12",
    handler: "app.handler",
    files: { "app.py": "import boto3\ns3 = boto3.client('s3')\ndef handler(event, context):\n    return event\n" },
    needs: "boto3",
  },
  { label: "provided (shell bootstrap, curl)", runtime: "provided.al2023", handler: "x", files: { bootstrap: { text: CURL_BOOTSTRAP, mode: 0o755 } }, needs: "curl" },
];

function missing(need: string | undefined): string | undefined {
  if (!need) return undefined;
  const probe =
    need === "curl"
      ? spawnSync("curl", ["--version"])
      : spawnSync("python3", ["-c", need === "boto3" ? "import boto3" : "pass"]);
  return probe.status === 0 ? undefined : `${need} is not installed`;
}

function zipOf(files: RuntimeCase["files"]): Uint8Array {
  return zipSync(
    Object.fromEntries(
      Object.entries(files).map(([name, file]) => (typeof file === "string" ? [name, strToU8(file)] : [name, [strToU8(file.text), { os: 3, attrs: (file.mode << 16) >>> 0 }]])),
    ) as never,
  );
}

async function benchRuntimes(quick: boolean): Promise<void> {
  const stack = await startStack();
  const lambda = new LambdaClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
  const runner = (stack.app.components.find((c) => c.name === "lambda") as LambdaService).backend.runner;
  try {
    for (const [i, c] of RUNTIMES.entries()) {
      if (quick && c.full) continue;
      const skip = missing(c.needs);
      if (skip) {
        line(`lambda ${c.label}`, `skipped: ${skip}`);
        continue;
      }
      const name = `bench-runtime-${i}`;
      await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: c.runtime as never, Handler: c.handler, Role: "arn:aws:iam::000000000000:role/bench", Code: { ZipFile: zipOf(c.files) } }));
      const colds: number[] = [];
      const inits: number[] = [];
      for (let n = 0; n < (quick ? 1 : 4); n++) {
        // A configuration change replaces the environments: the next call is a cold start.
        if (n > 0) await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: `cold ${n}` }));
        const started = performance.now();
        const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: "{}", LogType: "Tail" }));
        colds.push(performance.now() - started);
        const init = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(out.LogResult ?? "", "base64").toString());
        if (init) inits.push(Number(init[1]));
      }
      const warm: number[] = [];
      for (let n = 0; n < (quick ? 20 : 300); n++) {
        const started = performance.now();
        await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ n }) }));
        warm.push(performance.now() - started);
      }
      const env = runner.environments().find((e) => e.spec.functionName === name && e.state === "idle");
      const memory = env?.pid ? treeMemory(env.pid) : undefined;
      line(
        `lambda ${c.label}`,
        `cold ${ms(percentile(colds, 50))} (init ${inits.length ? ms(percentile(inits, 50)) : "?"}), warm p50 ${ms(percentile(warm, 50))}, idle env ${memory ? `${mib(memory.rss)} RSS / ${mib(memory.pss)} PSS` : "?"}`,
      );
    }
  } finally {
    lambda.destroy();
    await stack.close();
  }
}

// ------------------------------------------------------------------ the dev server

async function resourcesOf(endpoint: string): Promise<{ region: string; userPoolClientId: string }> {
  return ((await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { resources: { region: string; userPoolClientId: string } }).resources;
}

async function environmentsOf(endpoint: string): Promise<number> {
  const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { services: { lambda: { environments: Record<string, { environments: number }> } } };
  return Object.values(health.services.lambda.environments).reduce((n, p) => n + p.environments, 0);
}

async function benchDevServer(quick: boolean): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-bench-lambda-"));
  const personas = readPersonas();
  const attempts = personas.flatMap((p) => p.selfies.map((s) => ({ email: p.email, selfie: readFileSync(s) })));
  const IDLE = quick ? 1 : 3;
  ensureCompiled();
  let server = await startServer(["--data-dir", dataDir, "--lambda-idle-seconds", String(IDLE)]);
  try {
    const resources = await resourcesOf(server.endpoint);
    const client = new FaceLoginClient({ endpoint: server.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId });
    const signIn = async (a: (typeof attempts)[0]) => {
      const challenge = await client.start(a.email);
      await client.upload(challenge, a.selfie);
      const answered = await client.answer(challenge, challenge.uploadKey);
      if (!answered.tokens) throw new Error(`sign-in of ${a.email} refused: ${answered.challenge?.lastError}`);
    };
    const idleBefore = treeMemory(server.child.pid!);
    if (idleBefore) line("dev server idle, just provisioned", `${mib(idleBefore.rss)} RSS / ${mib(idleBefore.pss)} PSS, ${idleBefore.processes} processes`);
    for (const persona of personas) await enrol(client, persona.email, readFileSync(persona.document));

    const times: number[] = [];
    for (let i = 0; i < (quick ? 10 : 150); i++) {
      const started = performance.now();
      await signIn(attempts[i % attempts.length]!);
      times.push(performance.now() - started);
    }
    line("face sign-in p50 / p99 (dev server, one at a time)", `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}  (${times.length})`);

    const total = quick ? 64 : 480;
    let next = 0;
    const stop = watchPeak(server.child.pid!);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) await signIn(attempts[next++ % attempts.length]!);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const peak = stop();
    line("face sign-ins/s at 16 concurrent (dev server)", `${(total / seconds).toFixed(0)} /s  (${total} in ${seconds.toFixed(2)} s; ${await environmentsOf(server.endpoint)} environments)`);
    line("  peak memory, server + DynamoDB + environments", `${mib(peak.rss)} RSS / ${mib(peak.pss)} PSS  (${target(peak.rss, 400, "MiB of RSS")}; PSS ${peak.pss <= 400 ? "met" : "not met"})`);

    // The idle period passes: every environment is reclaimed.
    await new Promise((r) => setTimeout(r, (IDLE + (quick ? 1 : 1.5)) * 1000));
    const idle = treeMemory(server.child.pid!);
    if (idle) line(`dev server idle after the reclaim period (${IDLE} s here)`, `${mib(idle.rss)} RSS / ${mib(idle.pss)} PSS, ${idle.processes} processes, ${await environmentsOf(server.endpoint)} environments left`);
    if (quick) {
      line("face sign-ins at 64 concurrent from cold", "measured by the full run (not --quick)");
      return;
    }

    // From cold: the same users, a restarted server, no environment warm.
    await server.stop();
    server = await startServer(["--data-dir", dataDir]);
    const cold = new FaceLoginClient({ endpoint: server.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId });
    const coldSignIn = async (a: (typeof attempts)[0]) => {
      const challenge = await cold.start(a.email);
      await cold.upload(challenge, a.selfie);
      const answered = await cold.answer(challenge, challenge.uploadKey);
      if (!answered.tokens) throw new Error(`sign-in of ${a.email} refused: ${answered.challenge?.lastError}`);
    };
    const n = quick ? 200 : 1000;
    const latencies: number[] = [];
    let failures = 0;
    let i = 0;
    const stopCold = watchPeak(server.child.pid!);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (i < n) {
          const a = attempts[i++ % attempts.length]!;
          const s = performance.now();
          try {
            await coldSignIn(a);
            latencies.push(performance.now() - s);
          } catch {
            failures++;
          }
        }
      }),
    );
    const coldSeconds = (performance.now() - t0) / 1000;
    const coldPeak = stopCold();
    line(
      `face sign-ins at 64 concurrent from cold (${n})`,
      `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, ${(latencies.length / coldSeconds).toFixed(0)} /s${failures ? `, ${failures} failed` : ""}; ${await environmentsOf(server.endpoint)} environments`,
    );
    line("  peak memory, server + DynamoDB + environments", `${mib(coldPeak.rss)} RSS / ${mib(coldPeak.pss)} PSS`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchLambda(quick: boolean): Promise<void> {
  await benchRuntimes(quick);
  await benchDevServer(quick);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, "dev-server": { type: "boolean", default: false } } });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // --dev-server: only the dev server's sign-ins (its rate, peak memory and the cold 64), not the runtimes.
  (values["dev-server"] ? benchDevServer(values.quick) : benchLambda(values.quick)).catch((error: unknown) => {
    process.stderr.write(`bench-lambda failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
