import { afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { ListCollectionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { startStack, type Stack } from "../../server/stack.js";
import type { DynamoDBComponent } from "../../server/storage/dynamodb/index.js";
import { failure as failureOf } from "../support/failure.js";
import { sdkConfig } from "../support/clients.js";

/**
 * The DynamoDB engine (dynalite) runs in a process of its own: whatever it does cannot end or
 * freeze the stack. Killed, it is restarted with every acknowledged write; stuck past the
 * deadline, it is killed and the request answered with a retryable 500; closing the stack does
 * not wait for it.
 */

const failure = (promise: Promise<unknown>) => failureOf(promise, DynamoDBServiceException);

/**
 * A FilterExpression DynamoDB serves (29 operators, no redundant parentheses) that dynalite's
 * backtracking parser takes hours over: each level of nesting multiplies its work by about four.
 */
const STUCK_FILTER = (() => {
  let e = "pk = :v";
  for (let i = 0; i < 14; i++) e = `pk = :v AND (${e})`;
  return e;
})();

/** Whether a process is still running (a zombie has ended). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8"));
}

let stack: Stack | undefined;
let dataDir: string | undefined;
const clients: DynamoDBClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await stack?.close();
  stack = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function start(options: Parameters<typeof startStack>[0] = {}): Promise<{ stack: Stack; dynamodb: DynamoDBComponent }> {
  stack = await startStack(options);
  const dynamodb = stack.app.components.find((c) => c.name === "dynamodb") as DynamoDBComponent;
  return { stack, dynamodb };
}

function client(s: Stack, maxAttempts?: number): DynamoDBClient {
  const c = new DynamoDBClient(sdkConfig(s.endpoint, { maxAttempts }));
  clients.push(c);
  return c;
}

async function createTable(c: DynamoDBClient): Promise<void> {
  await c.send(
    new CreateTableCommand({
      TableName: "writes",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
}

async function scanAll(c: DynamoDBClient): Promise<Set<string>> {
  const keys = new Set<string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await c.send(new ScanCommand({ TableName: "writes", ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) keys.add(item["pk"]!.S!);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

describe("a killed engine is restarted, and keeps every acknowledged write", () => {
  for (const kind of ["a data directory", "an ephemeral stack"] as const) {
    it(`on ${kind}: writes under load, the engine killed -9 in the middle, everything acknowledged reads back`, async () => {
      if (kind === "a data directory") dataDir = mkdtempSync(join(tmpdir(), "rekognito-ddb-kill-"));
      const { stack, dynamodb } = await start(dataDir ? { dataDir, ephemeral: false } : {});
      const c = client(stack);
      await createTable(c);
      const firstPid = dynamodb.engine.pid!;
      expect(running(firstPid)).toBe(true);

      // Four writers, 120 writes; at the 30th acknowledgement the engine is killed. The SDK
      // retries what the kill interrupted (a 500), as it would against AWS.
      const acknowledged: string[] = [];
      let next = 0;
      let killed = false;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < 120) {
            const pk = `item-${next++}`;
            try {
              await c.send(new PutItemCommand({ TableName: "writes", Item: { pk: { S: pk }, payload: { S: "x".repeat(200) } } }));
              acknowledged.push(pk);
            } catch (error) {
              if (!(error instanceof DynamoDBServiceException) || error.$metadata.httpStatusCode !== 500) throw error;
            }
            if (!killed && acknowledged.length >= 30) {
              killed = true;
              process.kill(firstPid, "SIGKILL");
            }
          }
        }),
      );
      expect(killed).toBe(true);
      expect(dynamodb.engine.restarts).toBe(1);
      expect(dynamodb.engine.pid).not.toBe(firstPid);
      expect(running(firstPid)).toBe(false);
      // Writes went on after the restart, and every acknowledged one is there.
      expect(acknowledged.length).toBeGreaterThanOrEqual(116);
      const stored = await scanAll(c);
      expect(acknowledged.filter((pk) => !stored.has(pk))).toEqual([]);
      const health = (await (await fetch(`${stack.endpoint}/_rekognito/health`)).json()) as { services: { dynamodb: { state: string; restarts: number } } };
      expect(health.services.dynamodb).toMatchObject({ state: "running", restarts: 1 });
    });
  }

  it("keeps an ephemeral stack's temporary LevelDB only while the stack runs", async () => {
    const { stack, dynamodb } = await start();
    await createTable(client(stack));
    const args = readFileSync(`/proc/${dynamodb.engine.pid}/cmdline`, "utf8").split("\0");
    const directory = (JSON.parse(args.find((a) => a.startsWith("{"))!) as { path: string }).path;
    expect(existsSync(directory)).toBe(true);
    await stack.close();
    expect(existsSync(directory)).toBe(false);
  });
});

describe("a request that keeps the engine busy past the deadline", () => {
  it("is answered with a retryable InternalServerError, the engine is restarted, and everything else keeps answering", async () => {
    const { stack, dynamodb } = await start({ dynamodb: { deadlineMs: 1500 } });
    const once = client(stack, 1);
    await createTable(once);
    await once.send(new PutItemCommand({ TableName: "writes", Item: { pk: { S: "before" } } }));

    const stuck = failure(once.send(new ScanCommand({ TableName: "writes", FilterExpression: STUCK_FILTER, ExpressionAttributeValues: { ":v": { S: "before" } } })));
    await vi.waitFor(() => expect(dynamodb.engine.inFlight).toBe(1));
    // Meanwhile: health and the other services answer; a DynamoDB write queued behind the stuck
    // request is interrupted by the restart, and the SDK's own retry lands it.
    const queued = client(stack).send(new PutItemCommand({ TableName: "writes", Item: { pk: { S: "queued" } } }));
    const health = await fetch(`${stack.endpoint}/_rekognito/health`);
    expect(health.status).toBe(200);
    const rekognition = new RekognitionClient(sdkConfig(stack.endpoint));
    expect((await rekognition.send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
    rekognition.destroy();

    const error = await stuck;
    expect(error.name).toBe("InternalServerError");
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(error.message).toContain("did not answer within 1500 ms and was restarted");
    await queued;
    expect(dynamodb.engine.restarts).toBe(1);

    // The next requests work, on the restarted engine, with the data.
    expect((await once.send(new GetItemCommand({ TableName: "writes", Key: { pk: { S: "before" } } }))).Item).toEqual({ pk: { S: "before" } });
    expect((await once.send(new GetItemCommand({ TableName: "writes", Key: { pk: { S: "queued" } } }))).Item).toEqual({ pk: { S: "queued" } });

    // The same request again (an SDK retry) is answered at once, without stalling the engine again.
    const again = await failure(
      once.send(new ScanCommand({ TableName: "writes", FilterExpression: STUCK_FILTER, ExpressionAttributeValues: { ":v": { S: "before" } } })),
    );
    expect(again.name).toBe("InternalServerError");
    expect(again.message).toContain("a moment ago");
    expect(dynamodb.engine.restarts).toBe(1);
  });

  it("answers a request in flight when the engine is killed from outside with a retryable error, and does not hold it against that request", async () => {
    const { stack, dynamodb } = await start({ dynamodb: { deadlineMs: 1500 } });
    const once = client(stack, 1);
    await createTable(once);
    const scan = () => once.send(new ScanCommand({ TableName: "writes", FilterExpression: STUCK_FILTER, ExpressionAttributeValues: { ":v": { S: "killed" } } }));
    const inFlight = failure(scan());
    await vi.waitFor(() => expect(dynamodb.engine.inFlight).toBe(1));
    process.kill(dynamodb.engine.pid!, "SIGKILL");
    const error = await inFlight;
    expect(error.name).toBe("InternalServerError");
    expect(error.message).toContain("crashed (signal SIGKILL) while serving this request and was restarted");
    // A kill from outside (a user, the OOM killer) says nothing about the request: sent again,
    // it reaches the new engine (here it stalls that one too, until the deadline).
    const again = await failure(scan());
    expect(again.message).toContain("did not answer within 1500 ms");
    expect(dynamodb.engine.restarts).toBe(2);
  });

  it("does not hold up closing the stack: the stuck request is answered and the engine ends", async () => {
    const { stack: s, dynamodb } = await start({ dynamodb: { deadlineMs: 600_000 } });
    const once = client(s, 1);
    await createTable(once);
    const stuck = failure(once.send(new ScanCommand({ TableName: "writes", FilterExpression: STUCK_FILTER, ExpressionAttributeValues: { ":v": { S: "x" } } })));
    await vi.waitFor(() => expect(dynamodb.engine.inFlight).toBe(1));
    const pid = dynamodb.engine.pid!;
    await s.close();
    stack = undefined;
    const error = await stuck;
    expect(error.name).toBe("ServiceUnavailable");
    expect(error.$metadata.httpStatusCode).toBe(503);
    expect(running(pid)).toBe(false);
  });
});
