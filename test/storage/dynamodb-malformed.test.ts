import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";
import type { DynamoDBComponent } from "../../server/storage/dynamodb/index.js";
import { signedHeaders } from "../support/sign.js";

/**
 * Malformed requests of the kinds that crashed dynalite (a null or a wrong type where an
 * attribute value or a structure belongs, in every member the item operations carry them):
 * none is answered with a 5xx, every error is in DynamoDB's shape, and the engine is never restarted
 * (none of them reached it in a state it could not survive).
 */

const TABLE = "things";
const ARN = `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`;
const BAD_VALUES: unknown[] = [
  null, "x", 5, [], true, {}, { M: [] }, { L: {} }, { M: "x" }, { L: 5 }, { M: null }, { L: null }, { S: null }, { S: 5 },
  { N: "abc" }, { SS: [null] }, { SS: ["a", null] }, { NS: [null] }, { BS: [null] }, { SS: "x" }, { B: 5 }, { BOOL: "x" },
  { NULL: false }, { M: { a: null } }, { M: { a: 5 } }, { L: [null] }, { L: [5] }, { S: "a", N: "1" }, { X: "1" },
];
const BAD_STRUCTURES: unknown[] = [null, "x", 5, [], {}];

function cases(): [string, unknown][] {
  const all: [string, unknown][] = [];
  const key = { pk: { S: "a" } };
  for (const v of BAD_VALUES) {
    all.push(["PutItem", { TableName: TABLE, Item: { pk: { S: "a" }, v } }]);
    all.push(["PutItem", { TableName: TABLE, Item: { pk: v } }]);
    all.push(["GetItem", { TableName: TABLE, Key: { pk: v } }]);
    all.push(["DeleteItem", { TableName: TABLE, Key: { pk: v } }]);
    all.push(["UpdateItem", { TableName: TABLE, Key: key, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": v } }]);
    all.push(["UpdateItem", { TableName: TABLE, Key: key, AttributeUpdates: { v: { Value: v, Action: "ADD" } } }]);
    all.push(["PutItem", { TableName: TABLE, Item: key, Expected: { v: { ComparisonOperator: "EQ", AttributeValueList: [v] } } }]);
    all.push(["Query", { TableName: TABLE, KeyConditionExpression: "pk = :v", ExpressionAttributeValues: { ":v": { S: "a" } }, ExclusiveStartKey: { pk: v } }]);
    all.push(["Scan", { TableName: TABLE, ScanFilter: { v: { ComparisonOperator: "EQ", AttributeValueList: [v] } } }]);
    all.push(["BatchWriteItem", { RequestItems: { [TABLE]: [{ PutRequest: { Item: { pk: { S: "a" }, v } } }] } }]);
    all.push(["BatchWriteItem", { RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { pk: v } } }] } }]);
    all.push(["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [{ pk: v }] } } }]);
  }
  for (const s of BAD_STRUCTURES) {
    all.push(["BatchWriteItem", { RequestItems: { [TABLE]: s } }]);
    all.push(["BatchWriteItem", { RequestItems: { [TABLE]: [s] } }]);
    all.push(["BatchWriteItem", { RequestItems: { [TABLE]: [{ PutRequest: s }] } }]);
    all.push(["BatchGetItem", { RequestItems: { [TABLE]: s } }]);
    all.push(["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [s] } } }]);
    all.push(["TagResource", { ResourceArn: ARN, Tags: [s] }]);
    all.push(["TagResource", { ResourceArn: ARN, Tags: [{ Key: "k", Value: s }] }]);
    all.push(["TagResource", { ResourceArn: ARN, Tags: [{ Key: s, Value: "v" }] }]);
    all.push(["UpdateItem", { TableName: TABLE, Key: key, AttributeUpdates: { v: s } }]);
    all.push(["PutItem", { TableName: TABLE, Item: key, Expected: { v: s } }]);
    all.push(["Query", { TableName: TABLE, KeyConditions: { pk: s } }]);
    all.push(["CreateTable", { TableName: "t2", AttributeDefinitions: [s], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }]);
    all.push(["CreateTable", { TableName: "t2", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [s], BillingMode: "PAY_PER_REQUEST" }]);
    all.push(["UpdateTable", { TableName: TABLE, GlobalSecondaryIndexUpdates: [s] }]);
  }
  for (const body of ["null", "[]", "5", '"x"', "{"]) for (const action of ["PutItem", "Query", "TagResource", "CreateTable"]) all.push([action, body]);
  return all;
}

describe("DynamoDB: malformed values and structures", () => {
  let app: App;
  let dynamodb: DynamoDBComponent;

  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
    dynamodb = app.components.find((c) => c.name === "dynamodb") as DynamoDBComponent;
    const created = await send("CreateTable", {
      TableName: TABLE,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    });
    expect(created.status).toBe(200);
  });
  afterAll(() => app?.close());

  async function send(action: string, input: unknown): Promise<{ status: number; body: { __type?: string; message?: string; Message?: string } }> {
    const body = typeof input === "string" ? input : JSON.stringify(input);
    const headers = await signedHeaders("dynamodb", {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${action}` },
      body,
    });
    const res = await app.fastify.inject({ method: "POST", url: "/", headers, payload: body });
    return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : {}) as { __type?: string; message?: string } };
  }

  it("answers none with a 5xx, every error in DynamoDB's shape, and never restarts the engine", async () => {
    const faults: string[] = [];
    const all = cases();
    for (const [action, input] of all) {
      const answer = await send(action, input);
      // DynamoDB's shape: a __type (a body that is not JSON gets a bare SerializationException, as on AWS).
      const shaped = typeof answer.body.__type === "string";
      if (answer.status >= 500 || (answer.status >= 400 && !shaped)) faults.push(`${action} ${JSON.stringify(input)} => ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(faults).toEqual([]);
    expect(dynamodb.engine.restarts).toBe(0);
    expect(all.length).toBeGreaterThan(400);
  });
});
