import type { DynaliteEngine } from "../storage/dynamodb/engine.js";

/**
 * DynamoDB's part of a snapshot, read and written through the engine's own API rather than
 * as its LevelDB files: the engine keeps running across a reset (a new one takes 0.2-0.6 s to
 * listen), the files could be mid-compaction, and an exported snapshot holds the tables as
 * DynamoDB's JSON, readable and independent of LevelDB's format.
 *
 * What is kept per table: what CreateTable needs to make it again (keys, attribute definitions,
 * billing mode and throughput, local and global secondary indexes, streams), its tags, and
 * every item in DynamoDB's wire JSON. Time to Live settings are rekognito's own journal
 * (dynamodb-ttl), a file of the snapshot like any other. Not kept: CreationDateTime (a
 * restored table is created anew).
 */
export interface TableDump {
  definition: Record<string, unknown>;
  tags: { Key: string; Value: string }[];
  items: Record<string, unknown>[];
}

type Engine = Pick<DynaliteEngine, "send" | "ready">;

const TARGET = "DynamoDB_20120810";
// The engine trusts whoever reaches it (only the gateway can); dynalite wants a signature's shape.
const HEADERS = {
  "content-type": "application/x-amz-json-1.0",
  authorization: "AWS4-HMAC-SHA256 Credential=rekognito/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
  "x-amz-date": "20260101T000000Z",
};

async function call<T>(engine: Engine, action: string, input: unknown): Promise<T> {
  const answer = await engine.send({ ...HEADERS, "x-amz-target": `${TARGET}.${action}` }, Buffer.from(JSON.stringify(input)));
  const text = answer.body.toString("utf8");
  const body = (text ? JSON.parse(text) : {}) as T & { __type?: string; message?: string };
  if (answer.status !== 200) throw new Error(`DynamoDB ${action} answered ${answer.status} ${body.__type ?? ""}: ${body.message ?? text}`);
  return body;
}

interface Description {
  TableName: string;
  TableArn?: string;
  TableStatus?: string;
  AttributeDefinitions?: unknown[];
  KeySchema?: unknown[];
  BillingModeSummary?: { BillingMode?: string };
  ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  LocalSecondaryIndexes?: { IndexName: string; KeySchema: unknown[]; Projection: unknown }[];
  GlobalSecondaryIndexes?: {
    IndexName: string;
    KeySchema: unknown[];
    Projection: unknown;
    IndexStatus?: string;
    ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  }[];
  StreamSpecification?: unknown;
}

const throughput = (t: Description["ProvisionedThroughput"]) => ({ ReadCapacityUnits: t?.ReadCapacityUnits || 1, WriteCapacityUnits: t?.WriteCapacityUnits || 1 });

/** What CreateTable takes to make this table again. */
function definitionOf(d: Description): Record<string, unknown> {
  const onDemand = d.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST";
  return {
    TableName: d.TableName,
    AttributeDefinitions: d.AttributeDefinitions,
    KeySchema: d.KeySchema,
    BillingMode: onDemand ? "PAY_PER_REQUEST" : "PROVISIONED",
    ...(onDemand ? {} : { ProvisionedThroughput: throughput(d.ProvisionedThroughput) }),
    ...(d.LocalSecondaryIndexes?.length
      ? { LocalSecondaryIndexes: d.LocalSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection })) }
      : {}),
    ...(d.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: d.GlobalSecondaryIndexes.map((i) => ({
            IndexName: i.IndexName,
            KeySchema: i.KeySchema,
            Projection: i.Projection,
            ...(onDemand ? {} : { ProvisionedThroughput: throughput(i.ProvisionedThroughput) }),
          })),
        }
      : {}),
    ...(d.StreamSpecification ? { StreamSpecification: d.StreamSpecification } : {}),
  };
}

export async function listTables(engine: Engine): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await call<{ TableNames?: string[]; LastEvaluatedTableName?: string }>(engine, "ListTables", start ? { ExclusiveStartTableName: start } : {});
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

/** Every table with its definition, tags and items. Call it while no request can write. */
export async function dumpTables(engine: Engine): Promise<TableDump[]> {
  await engine.ready();
  const out: TableDump[] = [];
  for (const name of await listTables(engine)) {
    const { Table: d } = await call<{ Table: Description }>(engine, "DescribeTable", { TableName: name });
    const tags: TableDump["tags"] = [];
    if (d.TableArn) {
      let token: string | undefined;
      do {
        const page = await call<{ Tags?: TableDump["tags"]; NextToken?: string }>(engine, "ListTagsOfResource", { ResourceArn: d.TableArn, ...(token ? { NextToken: token } : {}) });
        tags.push(...(page.Tags ?? []));
        token = page.NextToken;
      } while (token);
    }
    const items: Record<string, unknown>[] = [];
    let startKey: unknown;
    do {
      const page = await call<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: unknown }>(engine, "Scan", { TableName: name, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    out.push({ definition: definitionOf(d), tags, items });
  }
  return out;
}

async function waitActive(engine: Engine, name: string): Promise<void> {
  // dynalite runs with createTableMs 0: a table is ACTIVE at once or within a tick.
  for (let i = 0; i < 200; i++) {
    const { Table: d } = await call<{ Table: Description }>(engine, "DescribeTable", { TableName: name });
    if (d.TableStatus === "ACTIVE" && (d.GlobalSecondaryIndexes ?? []).every((g) => !g.IndexStatus || g.IndexStatus === "ACTIVE")) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`DynamoDB table ${name} did not become ACTIVE`);
}

/**
 * Makes the engine hold exactly `tables`: every other table is deleted, and these are
 * created anew with their tags and items. Call it while no request can write.
 */
export async function restoreTables(engine: Engine, tables: TableDump[]): Promise<void> {
  await engine.ready();
  for (const name of await listTables(engine)) await call(engine, "DeleteTable", { TableName: name });
  for (const table of tables) {
    const name = String(table.definition.TableName);
    await call(engine, "CreateTable", table.definition);
    await waitActive(engine, name);
    if (table.tags.length) {
      const { Table: d } = await call<{ Table: Description }>(engine, "DescribeTable", { TableName: name });
      await call(engine, "TagResource", { ResourceArn: d.TableArn, Tags: table.tags });
    }
    for (let i = 0; i < table.items.length; i += 25) {
      let requests: unknown = { [name]: table.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
      // dynalite applies a batch whole; UnprocessedItems is AWS's way to say "again", honoured anyway.
      for (let attempt = 0; attempt < 10 && requests && Object.keys(requests).length; attempt++) {
        const answer = await call<{ UnprocessedItems?: Record<string, unknown[]> }>(engine, "BatchWriteItem", { RequestItems: requests });
        requests = answer.UnprocessedItems && Object.keys(answer.UnprocessedItems).length ? answer.UnprocessedItems : undefined;
      }
    }
  }
}
