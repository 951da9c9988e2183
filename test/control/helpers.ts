import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateCollectionCommand, IndexFacesCommand, ListCollectionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CognitoIdentityProviderClient, CreateUserPoolCommand, ListUserPoolsCommand } from "@aws-sdk/client-cognito-identity-provider";
import { readFileSync } from "node:fs";
import { fixtureImages } from "../../server/faces/fixtures.js";
import { sdkConfig } from "../support/clients.js";

/** SDK clients for a stack. */
export function clientsOf(endpoint: string) {
  const config = sdkConfig(endpoint);
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
    rekognition: new RekognitionClient(config),
    cognito: new CognitoIdentityProviderClient(config),
  };
}

export type Clients = ReturnType<typeof clientsOf>;

/** Puts something in each service: a bucket with an object, a table with an item, a collection with a face, a user pool. */
export async function fill(c: Clients, tag: string): Promise<void> {
  await c.s3.send(new CreateBucketCommand({ Bucket: `bucket-${tag}` }));
  await c.s3.send(new PutObjectCommand({ Bucket: `bucket-${tag}`, Key: "hello.txt", Body: `hello from ${tag}` }));
  await c.dynamodb.send(
    new CreateTableCommand({
      TableName: `table-${tag}`,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    }),
  );
  await c.dynamodb.send(new PutItemCommand({ TableName: `table-${tag}`, Item: { id: { S: "1" }, tag: { S: tag }, bytes: { B: Buffer.from([0, 1, 2, 255]) } } }));
  await c.rekognition.send(new CreateCollectionCommand({ CollectionId: `faces-${tag}` }));
  const selfie = fixtureImages({ persona: "ana", kind: "selfie" })[0]!;
  await c.rekognition.send(new IndexFacesCommand({ CollectionId: `faces-${tag}`, Image: { Bytes: readFileSync(selfie.path) }, ExternalImageId: "ana" }));
  await c.cognito.send(new CreateUserPoolCommand({ PoolName: `pool-${tag}` }));
}

/** What each service holds, by name. */
export async function inventory(c: Clients) {
  return {
    buckets: ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name),
    tables: (await c.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [],
    collections: (await c.rekognition.send(new ListCollectionsCommand({}))).CollectionIds ?? [],
    pools: ((await c.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? []).map((p) => p.Name),
  };
}

/** A request to the control API: status and JSON body. */
export async function control(endpoint: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; raw?: string | Buffer } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${endpoint}${path}`, { method, headers, body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json: json as Record<string, any>, headers: response.headers, text };
}
