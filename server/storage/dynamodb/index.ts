import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices, StackComponent } from "../../core/services.js";
import { CommonErrors } from "../../protocol/errors.js";
import { sendAwsError, type JsonGateway } from "../../protocol/json.js";
import { Forwarder, forwardableHeaders, readAll, relay } from "../forward.js";
import { DYNALITE_OPERATIONS, DYNAMODB_OPERATIONS } from "./operations.js";

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
    const refused = refuseUnsupported(request, reply, DYNALITE_OPERATIONS, core.ids.uuid());
    if (refused) return refused;
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const forwarded = await forwarder.send("POST", "/", forwardableHeaders(request.headers), body);
    const action = actionOf(request);
    if (action === "CreateTable" || action === "DeleteTable") {
      // Rare and small: read the answer, recount, then reply, so health is never stale.
      const answer = await readAll(forwarded.stream);
      if (forwarded.status === 200) await countTables().catch(() => undefined);
      reply.code(forwarded.status);
      for (const [k, v] of Object.entries(forwardableHeaders(forwarded.headers))) reply.header(k, v);
      return reply.send(answer);
    }
    return relay(reply, forwarded, "POST");
  });

  return {
    name: "dynamodb",
    health: () => ({ engine: "dynalite", persisted: dir !== null, tables }),
    close: async () => {
      forwarder.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
