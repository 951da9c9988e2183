import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { ManualClock } from "../../server/core/clock.js";
import { seededIds } from "../../server/core/ids.js";
import { cryptoKeys } from "../../server/core/keys.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { Tally } from "./lib/check.js";
import { fuzzService, type Transport } from "./lib/fuzzer.js";
import { fuzzSeed, Random } from "./lib/random.js";
import { SERVICES, type FuzzService } from "./lib/services.js";
import { KnownValues } from "./lib/values.js";
import { requestOf, sign, withBodyFault } from "./lib/wire.js";
import { injectTransport, seedResources } from "./harness.js";

// Model-driven fuzzing of every service through the whole gateway (fastify.inject, no socket):
// for each implemented action, valid-ish inputs from AWS's own shapes and inputs broken in one
// way each (see lib/values.ts and lib/wire.ts). Whatever the input, the answer is never a 5xx
// but 501, every error is in its protocol's shape, and health answers after every batch.
// Deterministic: REKOGNITO_FUZZ_SEED=<seed> replays a run.
const seed = fuzzSeed();
// REKOGNITO_FUZZ_SCALE=10 sends ten times as many (for a longer hunt; npm test runs 1).
const SCALE = Math.max(1, Number(process.env.REKOGNITO_FUZZ_SCALE ?? 1) || 1);
const COUNTS: Record<string, number> = Object.fromEntries(
  Object.entries({ rekognition: 450, "cognito-idp": 600, dynamodb: 450, lambda: 400, ses: 150, s3: 800 }).map(([k, n]) => [k, n * SCALE]),
);
const HOST = "127.0.0.1";

let app: App;
let transport: Transport;
const log = new MemoryLogger();
const known = new KnownValues();
const tally = new Tally();
const random = new Random(seed);
const started = Date.now();

beforeAll(async () => {
  console.log(`[fuzz] seed ${seed} (replay: REKOGNITO_FUZZ_SEED=${seed} npx vitest run test/fuzz/model.test.ts)`);
  // One key pair for every user pool the fuzzer creates: RSA generation is the slow part of CreateUserPool.
  const key = await cryptoKeys.rsa();
  app = await buildApp({ ephemeral: true, logger: log, clock: new ManualClock(Date.now()), ids: seededIds(`fuzz-${seed}`), keys: { rsa: async () => key } });
  transport = injectTransport(app);
  await seedResources(transport, known, HOST);
});

afterAll(async () => {
  console.log(`${tally.summary(`[fuzz] seed ${seed}, inject`)}\n  duration ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await app?.close();
});

async function healthy(): Promise<void> {
  const res = await app.fastify.inject({ method: "GET", url: "/_rekognito/health", headers: { host: HOST } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().status).toBe("ok");
}

function failures(service: FuzzService, before: { fiveXX: number; notShaped: number; hung: number }): string[] {
  const found = [...tally.fiveXX.slice(before.fiveXX), ...tally.notShaped.slice(before.notShaped), ...tally.hung.slice(before.hung)];
  // The server's log of each fault (the request log's 5xx lines carry the stack), to say where it broke.
  return found.length ? [...found, ...log.lines.filter((l) => / 5(?!01)\d\d [\d.]+ms/.test(l)).slice(-5)].map((l) => `${service.name}: ${l}`) : [];
}

describe(`fuzzing every service's actions from the models (seed ${seed})`, () => {
  for (const service of SERVICES) {
    it(`${service.name}: ${COUNTS[service.name]} generated requests, no 5xx but 501, every error AWS-shaped`, async () => {
      const before = { fiveXX: tally.fiveXX.length, notShaped: tally.notShaped.length, hung: tally.hung.length };
      await fuzzService({ service, count: COUNTS[service.name]!, random: random.fork(), known, tally, transport, host: HOST, healthCheck: healthy, beforeBatch: () => seedResources(transport, known, HOST, true) });
      expect(failures(service, before)).toEqual([]);
    }, 120_000 * SCALE);
  }

  it("answers a body over the limit with the protocol's error, for every service", async () => {
    const before = { fiveXX: tally.fiveXX.length, notShaped: tally.notShaped.length, hung: tally.hung.length };
    for (const service of SERVICES) {
      const operation = service.implemented.includes("PutObject") ? "PutObject" : service.implemented.includes("Invoke") ? "Invoke" : service.implemented[0]!;
      const input = service.name === "s3" ? { Bucket: "fuzz-bucket", Key: "big" } : service.name === "lambda" ? { FunctionName: "fuzz-fn" } : {};
      const limit = service.name === "s3" ? 64 * 1024 * 1024 : 16 * 1024 * 1024;
      const { request } = withBodyFault(requestOf(service, operation, input, "oversized", random), "oversized", random, { oversized: limit + 1 });
      const answer = await transport(request, await sign(service, request, HOST));
      tally.record(service.protocol, request, answer);
      expect(answer.status, `${service.name}: ${answer.body.toString("utf8").slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      await healthy();
    }
    expect(failures(SERVICES[0]!, before)).toEqual([]);
  }, 60_000);
});
