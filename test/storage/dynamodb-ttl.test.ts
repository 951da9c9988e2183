import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { startStack, type Stack } from "../../server/stack.js";
import { failure as failureOf } from "../support/failure.js";
import { createFacesTable } from "./helpers.js";
import { sdkConfig } from "../support/clients.js";

const client = (stack: Stack) => new DynamoDBClient(sdkConfig(stack.endpoint));

const failure = (promise: Promise<unknown>) => failureOf(promise, DynamoDBServiceException);

const enable = (TableName: string, AttributeName = "expiresAt", Enabled = true) =>
  new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName, Enabled } });

describe("DynamoDB Time to Live in front of dynalite", () => {
  let stack: Stack;
  let ddb: DynamoDBClient;

  beforeAll(async () => {
    stack = await startStack();
    ddb = client(stack);
    await createFacesTable(ddb, "sessions");
  });
  afterAll(async () => {
    await stack.close();
  });

  it("answers DISABLED for a table without TTL, and ResourceNotFoundException for a missing table", async () => {
    const described = await ddb.send(new DescribeTimeToLiveCommand({ TableName: "sessions" }));
    expect(described.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "DISABLED" });
    const missing = await failure(ddb.send(new DescribeTimeToLiveCommand({ TableName: "nope" })));
    expect(missing.name).toBe("ResourceNotFoundException");
    const missingUpdate = await failure(ddb.send(enable("nope")));
    expect(missingUpdate.name).toBe("ResourceNotFoundException");
  });

  it("enables and disables TTL, with AWS's refusals when nothing would change", async () => {
    const updated = await ddb.send(enable("sessions"));
    expect(updated.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: "sessions" }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expiresAt",
    });
    const again = await failure(ddb.send(enable("sessions")));
    expect(again.name).toBe("ValidationException");
    expect(again.message).toBe("TimeToLive is already enabled");
    const other = await failure(ddb.send(enable("sessions", "ttl")));
    expect(other.name).toBe("ValidationException");
    expect(other.message).toBe("TimeToLive is active on a different AttributeName: current AttributeName is expiresAt");

    await ddb.send(enable("sessions", "expiresAt", false));
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: "sessions" }))).TimeToLiveDescription?.TimeToLiveStatus).toBe("DISABLED");
    const disabledTwice = await failure(ddb.send(enable("sessions", "expiresAt", false)));
    expect(disabledTwice.message).toBe("TimeToLive is already disabled");
  });

  it("validates the specification as AWS does", async () => {
    const empty = await failure(ddb.send(enable("sessions", "")));
    expect(empty.name).toBe("ValidationException");
    expect(empty.message).toContain("timeToLiveSpecification.attributeName");
    const noSpec = await failure(ddb.send(new UpdateTimeToLiveCommand({ TableName: "sessions" } as never)));
    expect(noSpec.name).toBe("ValidationException");
    expect(noSpec.message).toContain("Member must not be null");
  });

  it("does not hide expired items: AWS deletes them in the background, and reads return them until then", async () => {
    await ddb.send(enable("sessions", "expiresAt"));
    await ddb.send(new PutItemCommand({ TableName: "sessions", Item: { faceId: { S: "old" }, expiresAt: { N: "1" } } }));
    const item = await ddb.send(new GetItemCommand({ TableName: "sessions", Key: { faceId: { S: "old" } } }));
    expect(item.Item?.faceId?.S).toBe("old");
  });

  it("forgets a deleted table's TTL: a new table of that name starts DISABLED", async () => {
    await createFacesTable(ddb, "recreated");
    await ddb.send(enable("recreated"));
    await ddb.send(new DeleteTableCommand({ TableName: "recreated" }));
    await createFacesTable(ddb, "recreated");
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: "recreated" }))).TimeToLiveDescription?.TimeToLiveStatus).toBe("DISABLED");
  });
});

describe("DynamoDB Time to Live across a restart", () => {
  it("keeps each table's setting in the data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-ttl-"));
    try {
      const first = await startStack({ dataDir, ephemeral: false });
      await createFacesTable(client(first), "kept");
      await client(first).send(enable("kept", "expiresAt"));
      await first.close();
      const second = await startStack({ dataDir, ephemeral: false });
      try {
        const described = await client(second).send(new DescribeTimeToLiveCommand({ TableName: "kept" }));
        expect(described.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
