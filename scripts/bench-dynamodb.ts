/**
 * DynamoDB's figures for npm run bench, through the AWS SDK against a started stack:
 *
 *   stack start           startStack() until it listens, and until DynamoDB first answers
 *   engine spawn-to-ready the engine process's start, fork to listening
 *   PutItem / Query       p50/p99 one at a time, on an ephemeral stack and on a data directory
 *   pathological inputs   how long the requests of issue 10 take to be answered (they used to
 *                         end the server, or hold it for minutes), and a kill -9 of the engine
 *                         until the next write is acknowledged
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startStack, type Stack } from "../server/stack.js";
import type { DynamoDBComponent } from "../server/storage/dynamodb/index.js";
import { line, ms, percentile, timed } from "./bench-tools.js";

const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

async function createBenchTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: "bench",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
}

async function putAndQuery(stack: Stack, label: string, rounds: number): Promise<void> {
  const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
  try {
    await createBenchTable(client);
    const puts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const item = { pk: { S: `user-${i % 20}` }, sk: { N: String(i) }, faceId: { S: `face-${i}` }, score: { N: "99.5" } };
      puts.push(await timed(() => client.send(new PutItemCommand({ TableName: "bench", Item: item }))));
    }
    const queries: number[] = [];
    for (let i = 0; i < rounds; i++) {
      queries.push(
        await timed(() =>
          client.send(new QueryCommand({ TableName: "bench", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: `user-${i % 20}` } } })),
        ),
      );
    }
    line(`DynamoDB PutItem p50 / p99 (${label})`, `${ms(percentile(puts, 50))} / ${ms(percentile(puts, 99))}  (${rounds} items)`);
    line(`DynamoDB Query p50 / p99 (${label})`, `${ms(percentile(queries, 50))} / ${ms(percentile(queries, 99))}  (${rounds} queries)`);
  } finally {
    client.destroy();
  }
}

/** The time to an answer (whatever it is: these are refused). */
async function answered(request: () => Promise<unknown>): Promise<string> {
  const started = performance.now();
  let outcome = "ok";
  try {
    await request();
  } catch (error) {
    outcome = (error as Error).name;
  }
  return `${ms(performance.now() - started)}  ${outcome}`;
}

async function pathological(): Promise<void> {
  const deadlineMs = 2000;
  const stack = await startStack({ dynamodb: { deadlineMs } });
  const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    await createBenchTable(client);
    let deep: AttributeValue = { S: "x" };
    for (let i = 0; i < 1000; i++) deep = { L: [deep] };
    line("PutItem, a value nested 1,000 levels", await answered(() => client.send(new PutItemCommand({ TableName: "bench", Item: { pk: { S: "p" }, sk: { N: "1" }, v: deep } }))));
    const arn = (await client.send(new DescribeTableCommand({ TableName: "bench" }))).Table!.TableArn!;
    const tag = { Key: "k" } as { Key: string; Value: string };
    line("TagResource, a tag without Value", await answered(() => client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [tag] }))));
    const values = { ":v": { S: "p" } };
    const parens = `${"(".repeat(25)}pk = :v${")".repeat(25)}`;
    line("Scan, 25 redundant parentheses", await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: parens, ExpressionAttributeValues: values }))));
    let nested = "pk = :v";
    for (let i = 0; i < 14; i++) nested = `pk = :v AND (${nested})`;
    line(
      `Scan, 14 nested groups (deadline ${deadlineMs} ms)`,
      await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: nested, ExpressionAttributeValues: values }))),
    );
    line("  the same Scan again (an SDK retry)", await answered(() => client.send(new ScanCommand({ TableName: "bench", FilterExpression: nested, ExpressionAttributeValues: values }))));
    const engine = (stack.app.components.find((c) => c.name === "dynamodb") as DynamoDBComponent).engine;
    await engine.ready();
    const killed = performance.now();
    process.kill(engine.pid!, "SIGKILL");
    const retrying = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
    await retrying.send(new PutItemCommand({ TableName: "bench", Item: { pk: { S: "after" }, sk: { N: "1" } } }));
    retrying.destroy();
    line("kill -9 of the engine to the next acknowledged write", ms(performance.now() - killed));
  } finally {
    client.destroy();
    await stack.close();
  }
}

export async function benchDynamoDB(quick: boolean): Promise<void> {
  const starts: number[] = [];
  const firstAnswers: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const started = performance.now();
    const stack = await startStack();
    starts.push(performance.now() - started);
    const client = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
    await client.send(new ListTablesCommand({}));
    firstAnswers.push(performance.now() - started);
    client.destroy();
    const dynamodb = stack.app.components.find((c) => c.name === "dynamodb") as Partial<DynamoDBComponent> | undefined;
    if (dynamodb?.engine?.spawnToReadyMs != null) engine.push(dynamodb.engine.spawnToReadyMs);
    await stack.close();
  }
  line("startStack() (ephemeral, p50)", `${ms(percentile(starts, 50))}  (of ${starts.length})`);
  line("startStack() to the first DynamoDB answer (p50)", `${ms(percentile(firstAnswers, 50))}  (of ${firstAnswers.length})`);
  if (engine.length) line("DynamoDB engine spawn-to-ready (p50)", `${ms(percentile(engine, 50))}  (of ${engine.length})`);

  const rounds = quick ? 200 : 1000;
  const ephemeral = await startStack();
  try {
    await putAndQuery(ephemeral, "ephemeral", rounds);
  } finally {
    await ephemeral.close();
  }
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-bench-ddb-"));
  try {
    const persisted = await startStack({ dataDir, ephemeral: false });
    try {
      await putAndQuery(persisted, "data dir", rounds);
    } finally {
      await persisted.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  await pathological();
}

if (process.argv[1]?.endsWith("bench-dynamodb.ts")) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  await benchDynamoDB(process.argv.includes("--quick"));
}
