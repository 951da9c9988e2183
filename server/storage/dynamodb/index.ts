import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices, StackComponent } from "../../core/services.js";
import { CommonErrors } from "../../protocol/errors.js";
import { sendAwsError, type JsonGateway } from "../../protocol/json.js";
import { Forwarder, forwardableHeaders, readAll, relay } from "../forward.js";
import { DYNALITE_OPERATIONS, DYNAMODB_OPERATIONS } from "./operations.js";
import { AwsError } from "../../protocol/errors.js";
import { TimeToLiveStore } from "./ttl.js";
import type { DynamoDBAction, DynamoDBActionFactory } from "./actions/types.js";
import { DescribeTimeToLive } from "./actions/DescribeTimeToLive.js";
import { UpdateTimeToLive } from "./actions/UpdateTimeToLive.js";

/** DynamoDB operations rekognito answers itself, in front of dynalite (which lacks them). */
export const dynamodbActions: Record<string, DynamoDBActionFactory> = {
  DescribeTimeToLive,
  UpdateTimeToLive,
};

const require = createRequire(import.meta.url);

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
const dynalite = require("dynalite") as (options: DynaliteOptions) => Server;

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
 * DynamoDB: dynalite on 127.0.0.1 (a random port), its LevelDB under the data directory's
 * `dynamodb/` (in memory for an ephemeral stack), behind the gateway's `POST /` by the
 * DynamoDB_20120810 target prefix. Requests go through whole (headers and body) and the
 * answer comes back streamed.
 */
export async function createDynamoDB(core: CoreServices, gateway: JsonGateway): Promise<StackComponent> {
  const dir = core.persistence.directory("dynamodb");
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const forwarder = new Forwarder(`http://127.0.0.1:${port}`);
  let tables: number | null = null;
  const ttl = new TimeToLiveStore(core);
  const own: Record<string, DynamoDBAction> = Object.fromEntries(Object.entries(dynamodbActions).map(([name, factory]) => [name, factory({ ttl })]));

  /**
   * One of rekognito's own actions: the table must exist (dynalite's DescribeTable says so,
   * with AWS's ResourceNotFoundException and TableName validation), then the action answers.
   */
  async function ownAction(request: FastifyRequest, reply: FastifyReply, action: DynamoDBAction): Promise<FastifyReply> {
    const requestId = core.ids.uuid();
    let input: { TableName?: unknown };
    try {
      input = JSON.parse(Buffer.isBuffer(request.body) && request.body.length ? request.body.toString("utf8") : "{}") as { TableName?: unknown };
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("not an object");
    } catch {
      return sendAwsError(reply, new AwsError("SerializationException", "Start of structure or map found where not expected."), requestId);
    }
    const headers = { ...forwardableHeaders(request.headers), "x-amz-target": `${DYNAMODB_TARGET_PREFIX}.DescribeTable` };
    const described = await forwarder.send("POST", "/", headers, Buffer.from(JSON.stringify({ TableName: input.TableName ?? null })));
    if (described.status !== 200) return relay(reply, described, "POST");
    described.stream.resume();
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
      const res = await forwarder.send("POST", "/", {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `${DYNAMODB_TARGET_PREFIX}.ListTables`,
        authorization: "AWS4-HMAC-SHA256 Credential=rekognito/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        "x-amz-date": "20260101T000000Z",
      }, body);
      const page = JSON.parse((await readAll(res.stream)).toString("utf8")) as { TableNames?: string[]; LastEvaluatedTableName?: string };
      count += page.TableNames?.length ?? 0;
      start = page.LastEvaluatedTableName;
    } while (start);
    tables = count;
  }
  await countTables();

  gateway.registerProxy(DYNAMODB_TARGET_PREFIX, "dynamodb", async (request, reply) => {
    const mine = Object.hasOwn(own, actionOf(request)) ? own[actionOf(request)] : undefined;
    if (mine) return ownAction(request, reply, mine);
    const refused = refuseUnsupported(request, reply, DYNALITE_OPERATIONS, core.ids.uuid());
    if (refused) return refused;
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const forwarded = await forwarder.send("POST", "/", forwardableHeaders(request.headers), body);
    const action = actionOf(request);
    if (action === "CreateTable" || action === "DeleteTable") {
      // Rare and small: read the answer, recount, then reply, so health is never stale.
      const answer = await readAll(forwarded.stream);
      if (forwarded.status === 200) await countTables().catch(() => undefined);
      if (forwarded.status === 200 && action === "DeleteTable") {
        const name = (JSON.parse(answer.toString("utf8")) as { TableDescription?: { TableName?: string } }).TableDescription?.TableName;
        if (name) ttl.forget(name);
      }
      reply.code(forwarded.status);
      for (const [k, v] of Object.entries(forwardableHeaders(forwarded.headers))) reply.header(k, v);
      return reply.send(answer);
    }
    return relay(reply, forwarded, "POST");
  });

  return {
    name: "dynamodb",
    health: () => ({ engine: "dynalite", persisted: dir !== null, tables, timeToLiveEnabled: ttl.count() }),
    close: async () => {
      forwarder.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
