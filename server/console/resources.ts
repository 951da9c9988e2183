import type { CoreServices } from "../core/services.js";
import type { CognitoService } from "../cognito/index.js";
import type { LambdaService } from "../lambda/index.js";
import type { RekognitionService } from "../rekognition/index.js";
import { CONSOLE_HEADER } from "./requests.js";

/**
 * What the stack holds, for the console's resources page: collections and their faces (with the
 * S3 object each was indexed from, when this server saw it), user pools and their users,
 * buckets and their objects, tables, functions. Rekognition, Cognito and Lambda are read in
 * process; S3 and DynamoDB through their own APIs (the same answer whether the embedded engines
 * or an external endpoint hold them), with the console's header so those calls are neither
 * logged nor traced.
 */

/** Most items listed per collection, pool, bucket. */
export const LIST_LIMIT = 200;

export interface ConsoleSources {
  core: CoreServices;
  cognito: CognitoService;
  rekognition: RekognitionService;
  lambda: LambdaService;
  /** The regions to list Rekognition collections in (the stack's default and the app's). */
  regions(): string[];
}

export interface Resources {
  collections: {
    collectionId: string;
    region: string;
    faceCount: number;
    faces: { faceId: string; externalImageId?: string; user?: string; confidence: number; boundingBox: Record<string, number>; source?: { bucket: string; key: string } }[];
  }[];
  userPools: {
    id: string;
    name: string;
    region: string;
    userCount: number;
    clients: { id: string; name: string }[];
    users: { username: string; email?: string; status: string; enabled: boolean; createdAt: string }[];
  }[];
  buckets: { name: string; objectCount: number; truncated: boolean; objects: { key: string; size: number; lastModified?: string }[] }[];
  tables: { name: string; status?: string; itemCount?: number; keys: string[] }[];
  functions: { name: string; runtime: string; handler: string; memorySize: number; timeout: number; lastModified: string; triggers: string[] }[];
  errors: string[];
}

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** Marks every request of an SDK client as the console's own. */
function asConsole(client: { middlewareStack: { add(m: unknown, o: unknown): void } }): void {
  client.middlewareStack.add(
    (next: (args: { request: { headers: Record<string, string> } }) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
      args.request.headers[CONSOLE_HEADER] = "1";
      return next(args);
    },
    { step: "build", name: "rekognitoConsoleHeader" },
  );
}

export async function listResources(sources: ConsoleSources): Promise<Resources> {
  const { core } = sources;
  const errors: string[] = [];
  const traces = core.traces;

  // The face-login app names each face by its user's `sub` (ExternalImageId): the console shows the email.
  const emailOfSub = new Map<string, string>();
  for (const pool of sources.cognito.services.store.listPools()) {
    for (const user of sources.cognito.services.store.usersOf(pool.id)) if (user.attributes.email) emailOfSub.set(user.sub, user.attributes.email);
  }
  const collections: Resources["collections"] = [];
  for (const region of sources.regions()) {
    for (const info of sources.rekognition.store.listCollections(core.accountId, region)) {
      const { faces } = sources.rekognition.store.listFaces(core.accountId, region, info.collectionId, undefined, LIST_LIMIT);
      collections.push({
        collectionId: info.collectionId,
        region,
        faceCount: sources.rekognition.store.faceCount(core.accountId, region, info.collectionId),
        faces: faces.map((f) => {
          const source = traces?.faceSources.get(f.faceId);
          return {
            faceId: f.faceId,
            ...(f.externalImageId ? { externalImageId: f.externalImageId } : {}),
            ...(f.externalImageId && emailOfSub.has(f.externalImageId) ? { user: emailOfSub.get(f.externalImageId) } : {}),
            confidence: f.confidence,
            boundingBox: f.boundingBox as unknown as Record<string, number>,
            ...(source ? { source: { bucket: source.bucket, key: source.key } } : {}),
          };
        }),
      });
    }
  }

  const store = sources.cognito.services.store;
  const userPools: Resources["userPools"] = store.listPools().map((pool) => ({
    id: pool.id,
    name: pool.name,
    region: pool.region,
    userCount: store.userCount(pool.id),
    clients: store.clientsOf(pool.id).map((c) => ({ id: c.id, name: c.name })),
    users: store
      .usersOf(pool.id)
      .slice(0, LIST_LIMIT)
      .map((u) => ({
        username: u.username,
        ...(u.attributes.email ? { email: u.attributes.email } : {}),
        status: u.status,
        enabled: u.enabled,
        createdAt: new Date(u.createdAt).toISOString(),
      })),
  }));

  const functions: Resources["functions"] = sources.lambda.backend.registry.list().map((fn) => ({
    name: fn.name,
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    lastModified: new Date(fn.lastModified).toISOString(),
    triggers: store
      .listPools()
      .flatMap((pool) => Object.entries(pool.lambdaConfig).filter(([, arn]) => typeof arn === "string" && arn.endsWith(`:function:${fn.name}`)).map(([trigger]) => `${pool.name}: ${trigger}`)),
  }));

  const config = { endpoint: core.endpoint(), region: core.defaultRegion, credentials };
  const buckets: Resources["buckets"] = [];
  try {
    const { S3Client, ListBucketsCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    asConsole(s3);
    for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name!, MaxKeys: LIST_LIMIT }));
      buckets.push({
        name: bucket.Name!,
        objectCount: listed.KeyCount ?? 0,
        truncated: !!listed.IsTruncated,
        objects: (listed.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}) })),
      });
    }
    s3.destroy();
  } catch (error) {
    errors.push(`S3: ${(error as Error).name}: ${(error as Error).message}`);
  }

  const tables: Resources["tables"] = [];
  try {
    const { DynamoDBClient, ListTablesCommand, DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
    const dynamodb = new DynamoDBClient(config);
    asConsole(dynamodb);
    for (const name of (await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      tables.push({
        name,
        ...(Table?.TableStatus ? { status: Table.TableStatus } : {}),
        ...(Table?.ItemCount !== undefined ? { itemCount: Table.ItemCount } : {}),
        keys: (Table?.KeySchema ?? []).map((k) => `${k.AttributeName} (${k.KeyType})`),
      });
    }
    dynamodb.destroy();
  } catch (error) {
    errors.push(`DynamoDB: ${(error as Error).name}: ${(error as Error).message}`);
  }

  return { collections, userPools, buckets, tables, functions, errors };
}
