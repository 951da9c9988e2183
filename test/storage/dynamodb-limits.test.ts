import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startStack, type Stack } from "../../server/stack.js";
import type { DynamoDBComponent } from "../../server/storage/dynamodb/index.js";
import { failure as failureOf } from "../support/failure.js";
import { sdkConfig } from "../support/clients.js";

/**
 * What dynalite could not survive (issue 10: one request ended the server), refused before it
 * with DynamoDB's own ValidationException, through the AWS SDK. After each, the engine has not
 * been restarted (the request never reached it) and the stack still answers.
 */

const failure = (promise: Promise<unknown>) => failureOf(promise, DynamoDBServiceException);
const NESTING = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

/** A value whose leaf is at `levels` (DynamoDB counts the attribute itself as level 1), through M or L. */
function nested(levels: number, via: "M" | "L"): AttributeValue {
  let value: AttributeValue = { S: "leaf" };
  for (let i = 1; i < levels; i++) value = via === "M" ? { M: { n: value } } : { L: [value] };
  return value;
}

describe("DynamoDB: what dynalite cannot survive is refused as DynamoDB refuses it", () => {
  let stack: Stack;
  let client: DynamoDBClient;
  let component: DynamoDBComponent;

  beforeAll(async () => {
    stack = await startStack();
    component = stack.app.components.find((c) => c.name === "dynamodb") as DynamoDBComponent;
    client = new DynamoDBClient(sdkConfig(stack.endpoint, { maxAttempts: 1 }));
    await client.send(
      new CreateTableCommand({
        TableName: "things",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await stack?.close();
  });

  /** The stack still serves, from the same engine. */
  async function stillUp(): Promise<void> {
    await client.send(new PutItemCommand({ TableName: "things", Item: { pk: { S: "alive" } } }));
    expect((await client.send(new GetItemCommand({ TableName: "things", Key: { pk: { S: "alive" } } }))).Item).toEqual({ pk: { S: "alive" } });
    expect(component.engine.restarts).toBe(0);
    expect((await fetch(`${stack.endpoint}/_rekognito/health`)).status).toBe(200);
  }

  async function refused(request: Promise<unknown>, message: string | RegExp): Promise<void> {
    const error = await failure(request);
    expect(error.name).toBe("ValidationException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    if (typeof message === "string") expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  }

  it("refuses values nested 1,000 levels (L and M) in PutItem, UpdateItem, BatchWriteItem and a Query's ExclusiveStartKey", async () => {
    for (const via of ["L", "M"] as const) {
      const deep = nested(1000, via);
      await refused(client.send(new PutItemCommand({ TableName: "things", Item: { pk: { S: "deep" }, v: deep } })), NESTING);
      await refused(
        client.send(
          new UpdateItemCommand({
            TableName: "things",
            Key: { pk: { S: "deep" } },
            UpdateExpression: "SET v = :v",
            ExpressionAttributeValues: { ":v": deep },
          }),
        ),
        NESTING,
      );
      await refused(
        client.send(new BatchWriteItemCommand({ RequestItems: { things: [{ PutRequest: { Item: { pk: { S: "deep" }, v: deep } } }] } })),
        NESTING,
      );
      await refused(
        client.send(
          new QueryCommand({
            TableName: "things",
            KeyConditionExpression: "pk = :p",
            ExpressionAttributeValues: { ":p": { S: "deep" } },
            ExclusiveStartKey: { pk: deep },
          }),
        ),
        NESTING,
      );
      await refused(client.send(new ScanCommand({ TableName: "things", ExclusiveStartKey: { pk: deep } })), NESTING);
      await refused(client.send(new GetItemCommand({ TableName: "things", Key: { pk: deep } })), NESTING);
      await refused(client.send(new DeleteItemCommand({ TableName: "things", Key: { pk: deep } })), NESTING);
      await refused(client.send(new BatchGetItemCommand({ RequestItems: { things: { Keys: [{ pk: deep }] } } })), NESTING);
    }
    await stillUp();
  });

  it("accepts 32 levels and refuses 33, as DynamoDB does", async () => {
    for (const via of ["L", "M"] as const) {
      const item = { pk: { S: `deep-32-${via}` }, v: nested(32, via) };
      await client.send(new PutItemCommand({ TableName: "things", Item: item }));
      expect((await client.send(new GetItemCommand({ TableName: "things", Key: { pk: item.pk } }))).Item).toEqual(item);
      await refused(client.send(new PutItemCommand({ TableName: "things", Item: { pk: { S: "deep-33" }, v: nested(33, via) } })), NESTING);
      await refused(
        client.send(
          new UpdateItemCommand({
            TableName: "things",
            Key: { pk: item.pk },
            UpdateExpression: "SET w = :w",
            ExpressionAttributeValues: { ":w": nested(33, via) },
          }),
        ),
        NESTING,
      );
    }
    expect((await client.send(new GetItemCommand({ TableName: "things", Key: { pk: { S: "deep-33" } } }))).Item).toBeUndefined();
    await stillUp();
  });

  it("refuses a tag without its Value (or Key) with AWS's validation error, and stores nothing", async () => {
    const arn = (await client.send(new DescribeTableCommand({ TableName: "things" }))).Table!.TableArn!;
    const noValue = { Key: "team" } as { Key: string; Value: string };
    await refused(
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [noValue] })),
      "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
    );
    const noKey = { Value: "blue" } as { Key: string; Value: string };
    await refused(
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "ok", Value: "fine" }, noKey] })),
      "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null",
    );
    await refused(
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "k".repeat(129), Value: "v" }] })),
      `1 validation error detected: Value '${"k".repeat(129)}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
    expect((await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? []).toEqual([]);
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "team", Value: "" }] }));
    expect((await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: "team", Value: "" }]);
    await stillUp();
  });

  it("answers the 150-byte Scan of 25 nested parentheses at once: DynamoDB's redundant-parentheses error", async () => {
    const filter = `${"(".repeat(25)}pk = :v${")".repeat(25)}`;
    await refused(
      client.send(new ScanCommand({ TableName: "things", FilterExpression: filter, ExpressionAttributeValues: { ":v": { S: "x" } } })),
      "Invalid FilterExpression: The expression has redundant parentheses;",
    );
    await refused(
      client.send(
        new UpdateItemCommand({
          TableName: "things",
          Key: { pk: { S: "alive" } },
          UpdateExpression: "SET a = :v",
          ConditionExpression: "((attribute_exists(pk)))",
          ExpressionAttributeValues: { ":v": { S: "x" } },
        }),
      ),
      "Invalid ConditionExpression: The expression has redundant parentheses;",
    );
    // Parentheses left open are a syntax error (dynalite took exponential time over them too).
    await refused(
      client.send(new ScanCommand({ TableName: "things", FilterExpression: `${"(".repeat(2000)}pk = :v`, ExpressionAttributeValues: { ":v": { S: "x" } } })),
      'Invalid FilterExpression: Syntax error; token: "<EOF>", near: "= :v"',
    );
    // One group around an expression, or around a combination, is not redundant.
    const scanned = await client.send(
      new ScanCommand({ TableName: "things", FilterExpression: "((pk = :v) OR (pk = :w))", ExpressionAttributeValues: { ":v": { S: "x" }, ":w": { S: "alive" } } }),
    );
    expect(scanned.Items?.map((i) => i["pk"]?.S)).toEqual(["alive"]);
    await stillUp();
  });

  it("holds expressions to DynamoDB's 4 KB and 300 operators", async () => {
    // 4096 bytes is allowed, 4097 is not (SET, 4085 spaces, "a = :val", and one more space).
    const spaces = " ".repeat(4085);
    const number = { ":val": { N: "1" } };
    await client.send(new UpdateItemCommand({ TableName: "things", Key: { pk: { S: "long" } }, UpdateExpression: `SET${spaces}a = :val`, ExpressionAttributeValues: number }));
    await refused(
      client.send(new UpdateItemCommand({ TableName: "things", Key: { pk: { S: "long" } }, UpdateExpression: `SET ${spaces}a = :val`, ExpressionAttributeValues: number })),
      "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4097",
    );
    await refused(
      client.send(new GetItemCommand({ TableName: "things", Key: { pk: { S: "long" } }, ProjectionExpression: "a".repeat(4097) })),
      "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097",
    );
    // 150 comparisons joined by 149 ORs: 299 operators, allowed; one more comparison is 301.
    const ors = (n: number) => Array.from({ length: n }, () => "pk = :v").join(" OR ");
    const values = { ":v": { S: "long" } };
    expect((await client.send(new ScanCommand({ TableName: "things", FilterExpression: ors(150), ExpressionAttributeValues: values }))).Count).toBe(1);
    await refused(
      client.send(new ScanCommand({ TableName: "things", FilterExpression: ors(151), ExpressionAttributeValues: values })),
      "Invalid FilterExpression: The expression contains too many operators; operator count: 301",
    );
    await stillUp();
  });

  it("answers a null where an attribute value or a structure belongs with a validation error, never a crash", async () => {
    // The SDK leaves nulls out, so these bodies are set as sent, before the SDK signs them.
    const raw = async (action: string, body: unknown) => {
      const rawClient = new DynamoDBClient(sdkConfig(stack.endpoint, { maxAttempts: 1 }));
      rawClient.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { body: string; headers: Record<string, string> };
          request.body = JSON.stringify(body);
          request.headers["content-length"] = String(Buffer.byteLength(request.body));
          return next(args);
        },
        { step: "build" },
      );
      try {
        const commands = { PutItem: PutItemCommand, GetItem: GetItemCommand, BatchWriteItem: BatchWriteItemCommand, TagResource: TagResourceCommand };
        const Command = commands[action as keyof typeof commands] as unknown as new (input: object) => PutItemCommand;
        return await rawClient.send(new Command({}));
      } finally {
        rawClient.destroy();
      }
    };
    const empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    await refused(raw("PutItem", { TableName: "things", Item: { pk: { S: "n" }, v: { L: [null] } } }), empty);
    await refused(raw("PutItem", { TableName: "things", Item: { pk: { S: "n" }, v: { M: { a: null } } } }), empty);
    await refused(raw("GetItem", { TableName: "things", Key: { pk: null } }), empty);
    await refused(raw("BatchWriteItem", { RequestItems: { things: [{ DeleteRequest: { Key: { pk: null } } }] } }), empty);
    // rekognito's wording: AWS's for a null set member is not documented.
    await refused(
      raw("PutItem", { TableName: "things", Item: { pk: { S: "n" }, v: { SS: ["a", null] } } }),
      "One or more parameter values were invalid: A string set may not contain null",
    );
    await refused(raw("PutItem", { TableName: "things", Item: { pk: { S: "n" }, v: { BS: [null] } } }), "One or more parameter values were invalid: A binary set may not contain null");
    // A null in a list of structures is a missing member, as the gateway words it for every service.
    await refused(
      raw("BatchWriteItem", { RequestItems: { things: [null] } }),
      "1 validation error detected: Value null at 'requestItems.things.member.1.member' failed to satisfy constraint: Member must not be null",
    );
    const arn = (await client.send(new DescribeTableCommand({ TableName: "things" }))).Table!.TableArn!;
    await refused(
      raw("TagResource", { ResourceArn: arn, Tags: [null] }),
      "1 validation error detected: Value null at 'tags.1.member' failed to satisfy constraint: Member must not be null",
    );
    // A body that is JSON null is an empty request, as dynalite reads any body that is not an object.
    await refused(raw("PutItem", null), /^2 validation errors detected: Value null at 'tableName'/);
    await stillUp();
  });

  it("leaves the 400 KB item limit to dynalite, which answers it", async () => {
    await refused(
      client.send(new PutItemCommand({ TableName: "things", Item: { pk: { S: "big" }, v: { S: "x".repeat(401 * 1024) } } })),
      "Item size has exceeded the maximum allowed size",
    );
    await stillUp();
  });
});
