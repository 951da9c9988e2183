import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  ListTablesCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startStack, type Stack } from "../../server/stack.js";
import { failure as failureOf } from "../support/failure.js";
import { createFacesTable } from "./helpers.js";
import { sdkConfig } from "../support/clients.js";


const failure = (promise: Promise<unknown>) => failureOf(promise, DynamoDBServiceException);

describe("DynamoDB (dynalite) through the AWS SDK", () => {
  let stack: Stack;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    stack = await startStack();
    client = new DynamoDBClient(sdkConfig(stack.endpoint));
    doc = DynamoDBDocumentClient.from(client);
    await createFacesTable(client);
  });
  afterAll(async () => {
    client?.destroy();
    await stack?.close();
  });

  it("takes writes the moment CreateTable answers, and the same name again the moment DeleteTable answers", async () => {
    // dynalite makes each change on a timer after it answers: the next call, made at once, used
    // to find no table (or the old one) now and then. Many rounds, each call sent as soon as the
    // one before it answers, three names made and deleted in turn.
    for (let i = 0; i < 24; i++) {
      const TableName = `settle-${i % 3}`;
      const created = await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        }),
      );
      expect(created.TableDescription?.TableName).toBe(TableName);
      await client.send(new PutItemCommand({ TableName, Item: { id: { S: `item-${i}` } } }));
      expect((await doc.send(new GetCommand({ TableName, Key: { id: `item-${i}` } }))).Item).toEqual({ id: `item-${i}` });
      await client.send(new DeleteTableCommand({ TableName }));
    }
    expect((await client.send(new ListTablesCommand({}))).TableNames?.filter((name) => name.startsWith("settle-"))).toEqual([]);
  });

  it("refuses to add or remove an index in UpdateTable, which dynalite answered 200 without doing, and still changes throughput", async () => {
    const TableName = "indexes-later";
    await client.send(
      new CreateTableCommand({
        TableName,
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    const create = {
      IndexName: "by-kind",
      KeySchema: [{ AttributeName: "kind", KeyType: "HASH" as const }],
      Projection: { ProjectionType: "ALL" as const },
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    };
    const refused = await failure(
      client.send(new UpdateTableCommand({ TableName, AttributeDefinitions: [{ AttributeName: "kind", AttributeType: "S" }], GlobalSecondaryIndexUpdates: [{ Create: create }] })),
    );
    expect(refused.name).toBe("NotImplementedException");
    expect(refused.$metadata.httpStatusCode).toBe(501);
    expect(refused.message).toContain("GlobalSecondaryIndexUpdates Create");
    expect((await failure(client.send(new UpdateTableCommand({ TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: "by-kind" } }] })))).name).toBe("NotImplementedException");
    expect((await client.send(new DescribeTableCommand({ TableName }))).Table?.GlobalSecondaryIndexes).toBeUndefined();

    const updated = await client.send(new UpdateTableCommand({ TableName, ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 } }));
    expect(updated.TableDescription?.TableName).toBe(TableName);
    expect((await client.send(new DescribeTableCommand({ TableName }))).Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(2);
    await client.send(new DeleteTableCommand({ TableName }));
  });

  it("creates a table that is ACTIVE at once, with its GSI", async () => {
    const table = (await client.send(new DescribeTableCommand({ TableName: "faces" }))).Table!;
    expect(table.TableStatus).toBe("ACTIVE");
    expect(table.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: "byUser", IndexStatus: "ACTIVE" });
    expect(table.TableArn).toMatch(/^arn:aws:dynamodb:us-east-1:\d{12}:table\/faces$/);
  });

  it("puts, gets, updates, queries (table and GSI), scans and deletes items", async () => {
    await doc.send(new PutCommand({ TableName: "faces", Item: { faceId: "f-1", userSub: "alice", indexedAt: 1, document: "documents/alice.jpg" } }));
    await doc.send(new PutCommand({ TableName: "faces", Item: { faceId: "f-2", userSub: "alice", indexedAt: 2 } }));
    await doc.send(new PutCommand({ TableName: "faces", Item: { faceId: "f-3", userSub: "bob", indexedAt: 3 } }));
    const got = await doc.send(new GetCommand({ TableName: "faces", Key: { faceId: "f-1" } }));
    expect(got.Item).toEqual({ faceId: "f-1", userSub: "alice", indexedAt: 1, document: "documents/alice.jpg" });

    const updated = await doc.send(
      new UpdateCommand({
        TableName: "faces",
        Key: { faceId: "f-1" },
        UpdateExpression: "SET confidence = :c ADD logins :one",
        ExpressionAttributeValues: { ":c": 99.5, ":one": 1 },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(updated.Attributes).toMatchObject({ confidence: 99.5, logins: 1 });

    const byKey = await doc.send(new QueryCommand({ TableName: "faces", KeyConditionExpression: "faceId = :f", ExpressionAttributeValues: { ":f": "f-2" } }));
    expect(byKey.Items?.map((i) => i["faceId"])).toEqual(["f-2"]);
    const byUser = await doc.send(
      new QueryCommand({
        TableName: "faces",
        IndexName: "byUser",
        KeyConditionExpression: "userSub = :u",
        ExpressionAttributeValues: { ":u": "alice" },
        ScanIndexForward: false,
      }),
    );
    expect(byUser.Items?.map((i) => i["faceId"])).toEqual(["f-2", "f-1"]);

    const scan = await doc.send(new ScanCommand({ TableName: "faces" }));
    expect(scan.Count).toBe(3);

    await doc.send(new DeleteCommand({ TableName: "faces", Key: { faceId: "f-3" } }));
    expect((await doc.send(new GetCommand({ TableName: "faces", Key: { faceId: "f-3" } }))).Item).toBeUndefined();
  });

  it("answers DynamoDB's own errors (conditional check, missing table)", async () => {
    const conditional = await failure(
      doc.send(new PutCommand({ TableName: "faces", Item: { faceId: "f-1" }, ConditionExpression: "attribute_not_exists(faceId)" })),
    );
    expect(conditional.name).toBe("ConditionalCheckFailedException");
    const missing = await failure(doc.send(new GetCommand({ TableName: "nope", Key: { faceId: "x" } })));
    expect(missing.name).toBe("ResourceNotFoundException");
  });

  it("says clearly what dynalite does not implement instead of a bare UnknownOperationException", async () => {
    const transact = await failure(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: "faces", Item: { faceId: { S: "t" } } } }] })),
    );
    expect(transact.name).toBe("NotImplementedException");
    expect(transact.message).toContain("TransactWriteItems");
    expect(transact.$metadata.httpStatusCode).toBe(501);
  });

  it("reports its table count in the health document", async () => {
    await createFacesTable(client, "scratch");
    await client.send(new DeleteTableCommand({ TableName: "scratch" }));
    await createFacesTable(client, "second");
    const tables = (await client.send(new ListTablesCommand({}))).TableNames;
    expect(tables).toEqual(["faces", "second"]);
    const health = (await (await fetch(`${stack.endpoint}/_rekognito/health`)).json()) as { services: Record<string, { tables?: number }> };
    expect(health.services["dynamodb"]?.tables).toBe(2);
  });
});

describe("DynamoDB persistence", () => {
  it("keeps tables and items across a restart on the same data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-ddb-"));
    try {
      const first = await startStack({ dataDir, ephemeral: false });
      const c1 = new DynamoDBClient(sdkConfig(first.endpoint));
      await createFacesTable(c1);
      await DynamoDBDocumentClient.from(c1).send(new PutCommand({ TableName: "faces", Item: { faceId: "kept", userSub: "carol", indexedAt: 7 } }));
      c1.destroy();
      await first.close();

      const second = await startStack({ dataDir, ephemeral: false });
      const c2 = new DynamoDBClient(sdkConfig(second.endpoint));
      const doc2 = DynamoDBDocumentClient.from(c2);
      expect((await doc2.send(new GetCommand({ TableName: "faces", Key: { faceId: "kept" } }))).Item).toEqual({ faceId: "kept", userSub: "carol", indexedAt: 7 });
      const byUser = await doc2.send(
        new QueryCommand({ TableName: "faces", IndexName: "byUser", KeyConditionExpression: "userSub = :u", ExpressionAttributeValues: { ":u": "carol" } }),
      );
      expect(byUser.Items).toHaveLength(1);
      c2.destroy();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
