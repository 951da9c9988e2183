import type { Answer } from "./check.js";
import { Tally } from "./check.js";
import type { Random } from "./random.js";
import type { FuzzService } from "./services.js";
import { KnownValues, MUTATIONS, mutate, valueOf, type Mutation } from "./values.js";
import { BODY_FAULTS, requestOf, sign, withBodyFault, type BodyFault, type WireRequest } from "./wire.js";

/** Sends one request and returns the answer; throws when the client cannot send it at all. */
export type Transport = (request: WireRequest, headers: Record<string, string>) => Promise<Answer>;

export interface FuzzLimits {
  /** Longest over-long string. */
  longString: number;
  /** Deepest nesting in an input. */
  deep: number;
  /** Requests between health checks. */
  batch: number;
  /** How many requests run at once. */
  concurrency: number;
  /** A request unanswered this long is a hang (a failure, not a measure of speed). */
  answerMs: number;
}

// One request at a time: the server's seeded ids are then drawn in the same order every run,
// so a seed replays the same answers (and the same values learnt from them).
export const DEFAULT_LIMITS: FuzzLimits = { longString: 70_000, deep: 3000, batch: 100, concurrency: 1, answerMs: 15_000 };

/** One request: an operation, valid-ish or broken in one way. */
export async function oneRequest(service: FuzzService, known: KnownValues, random: Random, limits: FuzzLimits): Promise<{ request: WireRequest; signed: boolean } | null> {
  const ops = random.chance(0.92) ? service.implemented : Object.keys(service.model.operations);
  const operation = random.pick(ops);
  const op = service.model.operations[operation];
  if (!op) return null;
  const input = (op.input
    ? valueOf(service.model, op.input, { random, known, optional: 0.35, locatedOptional: service.protocol === "rest-xml" ? 0.08 : 0.3, special: service.special })
    : {}) as Record<string, unknown>;
  const kind = random.weighted([
    [35, "valid"],
    [47, "mutation"],
    [18, "fault"],
  ] as const);
  let variant = "valid";
  let value: Record<string, unknown> = input;
  if (kind === "mutation") {
    const mutation: Mutation = random.pick(MUTATIONS);
    value = mutate(input, mutation, random, limits) as Record<string, unknown>;
    variant = mutation;
  }
  let request = requestOf(service, operation, value, variant, random);
  let signed = true;
  if (service.excludeRequest?.(request)) return null;
  if (kind === "fault") {
    // Oversized bodies are sent once per service by the suite itself (they are large).
    const faults = BODY_FAULTS.filter((f) => f !== "oversized");
    const fault: BodyFault = random.pick(faults);
    ({ request, sign: signed } = withBodyFault(request, fault, random, { oversized: 0 }));
  }
  return { request, signed };
}

/** Harvests ids and names from a successful answer so later requests reach existing things. */
export function learn(known: KnownValues, service: FuzzService, answer: Answer): void {
  if (answer.status >= 300 || !answer.body.length) return;
  const text = answer.body.toString("utf8");
  if (service.protocol === "rest-xml") {
    for (const [, name, value] of text.matchAll(/<(UploadId|Key|Name|Bucket)>([^<]{1,200})<\/\1>/g)) known.add(name === "Name" ? "Bucket" : name!, value!);
    return;
  }
  try {
    known.harvest(JSON.parse(text));
  } catch {
    // Not JSON (Invoke's payload may be anything).
  }
}

export interface RunOptions {
  service: FuzzService;
  count: number;
  random: Random;
  known: KnownValues;
  tally: Tally;
  transport: Transport;
  host: string;
  limits?: FuzzLimits;
  /** Called every `batch` requests: asserts the server still answers health. */
  healthCheck: () => Promise<void>;
  /** Called before each batch: puts back what earlier requests deleted (a pool, a bucket...). */
  beforeBatch?: () => Promise<void>;
}

/** Sends `count` generated requests to one service, `concurrency` at a time, checking health per batch. */
export async function fuzzService(options: RunOptions): Promise<void> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { service, random, known, tally } = options;
  let sent = 0;
  while (sent < options.count) {
    const size = Math.min(limits.batch, options.count - sent);
    await options.beforeBatch?.();
    // Generate the whole batch first, in order, so the sequence depends on the seed alone.
    const batch: { request: WireRequest; signed: boolean }[] = [];
    while (batch.length < size) {
      const one = await oneRequest(service, known, random, limits);
      if (one) batch.push(one);
    }
    for (let i = 0; i < batch.length; i += limits.concurrency) {
      const slice = batch.slice(i, i + limits.concurrency);
      const answers = await Promise.all(
        slice.map(async ({ request, signed }) => {
          const headers = signed ? await sign(service, request, options.host) : { ...request.headers, host: options.host };
          let timer: NodeJS.Timeout | undefined;
          const hang = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), limits.answerMs)));
          try {
            return await Promise.race([options.transport(request, headers), hang]);
          } catch {
            return null;
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      // Learn in request order, so what later requests reuse depends on the seed alone.
      slice.forEach(({ request }, j) => {
        const answer = answers[j];
        if (!answer) return tally.unsent(request);
        if (answer === "hung") return tally.noAnswer(request, limits.answerMs);
        tally.record(service.protocol, request, answer);
        learn(known, service, answer);
      });
    }
    sent += size;
    await options.healthCheck();
    tally.healthChecks++;
  }
}
