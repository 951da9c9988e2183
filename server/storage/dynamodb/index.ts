import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices, StackComponent } from "../../core/services.js";
import { CommonErrors } from "../../protocol/errors.js";
import { parseJsonObject, sendAwsError, type JsonGateway } from "../../protocol/json.js";
import { DYNALITE_OPERATIONS, DYNAMODB_OPERATIONS } from "./operations.js";
import { AwsError } from "../../protocol/errors.js";
import { DEFAULT_DEADLINE_MS, DynaliteEngine, emptyDirectory, type EngineAnswer, type EngineHeaders } from "./engine.js";
import { checkRequest } from "./validate.js";
import { TimeToLiveStore } from "./ttl.js";
import { DynamoDBErrors } from "./errors.js";
import type { DynamoDBAction, DynamoDBActionFactory } from "./services.js";
import { DescribeTimeToLive } from "./actions/DescribeTimeToLive.js";
import { UpdateTimeToLive } from "./actions/UpdateTimeToLive.js";

/** DynamoDB operations rekognito answers itself, in front of dynalite (which lacks them). */
export const dynamodbActions = {
  DescribeTimeToLive,
  UpdateTimeToLive,
} satisfies Record<string, DynamoDBActionFactory>;

/** How the embedded DynamoDB runs (AppOptions.dynamodb). */
export interface DynamoDBOptions {
  /**
   * How long one request may keep the engine busy before it is killed and restarted, and the
   * request answered `500 InternalServerError` (default 10 000 ms).
   */
  deadlineMs?: number;
  /**
   * An engine the caller owns and shares between the generations of a stack (server/control/:
   * a reset rebuilds the services over the same engine instead of waiting for a new one to
   * start). Closing this component then only stops it from using the engine.
   */
  engine?: DynaliteEngine;
  /**
   * Fork the engine at the first DynamoDB request rather than as the stack starts, when its
   * directory holds no tables yet (`--bare`: a start that provisions nothing, whose engine
   * may never be asked; that first request waits the ~0.2 s the engine takes to start).
   */
  startOnFirstRequest?: boolean;
}

/** The embedded DynamoDB: a StackComponent, with its engine (for health, and tests that kill it). */
export interface DynamoDBComponent extends StackComponent {
  engine: DynaliteEngine;
}

export const DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810";

/** The action of an X-Amz-Target such as DynamoDB_20120810.PutItem. */
export function actionOf(request: FastifyRequest): string {
  const target = String(request.headers["x-amz-target"] ?? "");
  return target.slice(target.lastIndexOf(".") + 1);
}

/**
 * An operation AWS has but the engine behind does not: a clear 501 NotImplementedException
 * instead of dynalite's bare UnknownOperationException. Unknown names stay unknown.
 */
export function refuseUnsupported(request: FastifyRequest, reply: FastifyReply, supported: ReadonlySet<string>, requestId: string): FastifyReply | undefined {
  const action = actionOf(request);
  if (supported.has(action)) return undefined;
  const error = DYNAMODB_OPERATIONS.has(action)
    ? CommonErrors.notImplemented(DYNAMODB_TARGET_PREFIX, action)
    : CommonErrors.unknownOperation(String(request.headers["x-amz-target"] ?? ""));
  return sendAwsError(reply, error, requestId);
}

/**
 * DynamoDB: dynalite in a process of its own (engine.ts), its LevelDB under the data
 * directory's `dynamodb/` (a temporary directory for an ephemeral stack, so that a restarted
 * engine keeps the data too), behind the gateway's `POST /` by the DynamoDB_20120810 target
 * prefix. Each request is checked first for what dynalite cannot survive (validate.ts), then
 * its body goes to the engine as it came, with the headers dynalite reads (engine.ts); the
 * answer comes back whole.
 *
 * The engine starts in the background: requests wait for it, and the stack does not.
 * `fastify`, when given, lets closing the stack end requests stuck in the engine at once.
 */
export async function createDynamoDB(
  core: CoreServices,
  gateway: JsonGateway,
  options: DynamoDBOptions & { fastify?: FastifyInstance } = {},
): Promise<DynamoDBComponent> {
  const dir = core.persistence.directory("dynamodb");
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const shared = options.engine !== undefined;
  const engine =
    options.engine ??
    new DynaliteEngine({ directory: dir, deadlineMs, logger: core.logger, now: () => core.clock.now(), onFirstRequest: options.startOnFirstRequest === true && emptyDirectory(dir) });
  /** Set when a shared engine's component closes: its late requests must not reach the engine, which now serves the next generation. */
  let retired = false;
  options.fastify?.addHook("preClose", async () => {
    if (shared) retired = true;
    else await engine.stop();
  });
  let tables: number | null = null;
  const ttl = new TimeToLiveStore(core);
  const own: Record<string, DynamoDBAction> = Object.fromEntries(Object.entries(dynamodbActions).map(([name, factory]) => [name, factory({ ttl })]));

  /** Sends to the engine; an engine that cannot answer is the AwsError to answer instead. */
  function send(headers: EngineHeaders, body: Buffer | undefined): Promise<EngineAnswer | AwsError> {
    if (retired) return Promise.resolve(DynamoDBErrors.unavailable("the embedded engine", "the stack was reset or restored while this request was on its way"));
    return engine.send(headers, body).catch((error: unknown) => {
      if (error instanceof AwsError) return error;
      throw error;
    });
  }

  /** The engine's answer as it is (its header names come lower-cased; the length is Fastify's to set). */
  function answer(reply: FastifyReply, answered: EngineAnswer): FastifyReply {
    reply.code(answered.status);
    for (const name in answered.headers) if (name !== "content-length" && name !== "transfer-encoding") reply.header(name, answered.headers[name]);
    return reply.send(answered.body);
  }

  function failed(request: FastifyRequest, reply: FastifyReply, error: AwsError): FastifyReply {
    if (error.status >= 500 && request.awsLog) request.awsLog.fault = error.message;
    return sendAwsError(reply, error, core.ids.uuid());
  }

  /**
   * One of rekognito's own actions: the table must exist (dynalite's DescribeTable says so,
   * with AWS's ResourceNotFoundException and TableName validation), then the action answers.
   */
  async function ownAction(request: FastifyRequest, reply: FastifyReply, action: DynamoDBAction): Promise<FastifyReply> {
    const requestId = core.ids.uuid();
    let input: { TableName?: unknown };
    try {
      input = parseJsonObject(Buffer.isBuffer(request.body) ? request.body : undefined);
    } catch (error) {
      if (error instanceof AwsError) return sendAwsError(reply, error, requestId);
      throw error;
    }
    const headers = { ...request.headers, "x-amz-target": `${DYNAMODB_TARGET_PREFIX}.DescribeTable` };
    const described = await send(headers, Buffer.from(JSON.stringify({ TableName: input.TableName ?? null })));
    if (described instanceof AwsError) return failed(request, reply, described);
    if (described.status !== 200) return answer(reply, described);
    try {
      const output = action(input);
      return reply.code(200).header("content-type", "application/x-amz-json-1.0").header("x-amzn-requestid", requestId).send(JSON.stringify(output));
    } catch (error) {
      if (error instanceof AwsError) return sendAwsError(reply, error, requestId);
      throw error;
    }
  }

  async function countTables(): Promise<void> {
    let count = 0;
    let start: string | undefined;
    do {
      const body = Buffer.from(JSON.stringify(start ? { ExclusiveStartTableName: start } : {}));
      const res = await engine.send({
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `${DYNAMODB_TARGET_PREFIX}.ListTables`,
        authorization: "AWS4-HMAC-SHA256 Credential=rekognito/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        "x-amz-date": "20260101T000000Z",
      }, body);
      const page = JSON.parse(res.body.toString("utf8")) as { TableNames?: string[]; LastEvaluatedTableName?: string };
      count += page.TableNames?.length ?? 0;
      start = page.LastEvaluatedTableName;
    } while (start);
    tables = count;
  }
  // In the background: the first request waits for the engine; the stack's start does not.
  // One not started yet has an empty directory: no tables until a CreateTable (which recounts).
  if (engine.started) {
    void engine
      .ready()
      .then(countTables)
      .catch(() => undefined); // a failed start is logged by the engine and answered 503 to requests
  } else tables = 0;

  gateway.registerProxy(DYNAMODB_TARGET_PREFIX, "dynamodb", async (request, reply) => {
    const action = actionOf(request);
    const mine = Object.hasOwn(own, action) ? own[action] : undefined;
    if (mine) return ownAction(request, reply, mine);
    if (!DYNALITE_OPERATIONS.has(action)) return refuseUnsupported(request, reply, DYNALITE_OPERATIONS, core.ids.uuid())!;
    const checked = checkRequest(action, Buffer.isBuffer(request.body) ? request.body : undefined);
    if ("error" in checked) return sendAwsError(reply, checked.error, core.ids.uuid());
    const answered = await send(request.headers, checked.body);
    if (answered instanceof AwsError) return failed(request, reply, answered);
    if ((action === "CreateTable" || action === "DeleteTable") && answered.status === 200) {
      // Rare and small: recount before replying, so health is never stale.
      await countTables().catch(() => undefined);
      if (action === "DeleteTable") {
        const name = (JSON.parse(answered.body.toString("utf8")) as { TableDescription?: { TableName?: string } }).TableDescription?.TableName;
        if (name) ttl.forget(name);
      }
    }
    return answer(reply, answered);
  });

  return {
    name: "dynamodb",
    engine,
    health: () => ({
      engine: "dynalite",
      persisted: core.persistence.dataDir !== null,
      tables,
      timeToLiveEnabled: ttl.count(),
      state: engine.state,
      ...(engine.failure ? { failure: engine.failure } : {}),
      pid: engine.pid,
      restarts: engine.restarts,
      spawnToReadyMs: engine.spawnToReadyMs === null ? null : Math.round(engine.spawnToReadyMs),
      deadlineMs,
    }),
    close: async () => {
      if (!shared) return engine.close();
      retired = true;
    },
  };
}
