import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startStack, type Stack } from "../../server/stack.js";
import { ManualClock } from "../../server/core/clock.js";
import type { S3Notification } from "../../server/core/events.js";
import type { ObjectReader } from "../../server/storage/object-reader.js";
import { createFacesTable } from "./helpers.js";
import { freePort, motoUnavailable, startMoto, type Moto } from "../support/moto.js";
import { s3Config, sdkConfig } from "../support/clients.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

const motoMissing = motoUnavailable();
if (motoMissing) console.warn(`skipping the external-storage suite: ${motoMissing}`);

describe.skipIf(!!motoMissing)("storage passed through to an external endpoint (moto)", () => {
  let moto: Moto;
  let stack: Stack;
  let s3: S3Client;
  const clock = new ManualClock(Date.now());
  const notifications: S3Notification[] = [];
  const arn = "arn:aws:lambda:us-east-1:000000000000:function:index-faces";

  beforeAll(async () => {
    moto = await startMoto();
    stack = await startStack({ storageEndpoint: moto.endpoint, clock });
    stack.app.core.events.on("s3:notification", (n) => notifications.push(n));
    s3 = new S3Client(s3Config(stack.endpoint));
  }, 30_000);
  afterAll(async () => {
    s3?.destroy();
    await stack?.close();
    moto?.process.kill();
  });

  it("stores objects in the external endpoint, byte-exact with the SDK's default streaming checksums", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "ext-photos" }));
    const body = Buffer.alloc(2 * 1024 * 1024 + 5);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
    const put = await s3.send(new PutObjectCommand({ Bucket: "ext-photos", Key: "a b/doc.bin", Body: Readable.from([body.subarray(0, 70000), body.subarray(70000)]), ContentLength: body.length, Metadata: { who: "alice" } }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "ext-photos", Key: "a b/doc.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.Metadata).toEqual({ who: "alice" });
    // Straight from moto, without rekognito: the bytes there are the object's, not aws-chunked frames.
    const direct = new S3Client(s3Config(moto.endpoint));
    const raw = await direct.send(new GetObjectCommand({ Bucket: "ext-photos", Key: "a b/doc.bin" }));
    expect(Buffer.from(await raw.Body!.transformToByteArray()).equals(body)).toBe(true);
    direct.destroy();
    const list = await s3.send(new ListObjectsV2Command({ Bucket: "ext-photos" }));
    expect(list.Contents?.map((c) => c.Key)).toEqual(["a b/doc.bin"]);
    // The stack's ObjectReader (what Rekognition reads) reads through the endpoint too.
    const reader = stack.app.components.find((c) => c.name === "s3") as unknown as ObjectReader;
    const read = await reader.readObject("ext-photos", "a b/doc.bin");
    expect(read?.body.equals(body)).toBe(true);
    expect(read?.metadata).toEqual({ who: "alice" });
    expect(await reader.readObject("ext-photos", "missing")).toBeUndefined();
  });

  it("passes S3 errors through", async () => {
    const e = await s3.send(new GetObjectCommand({ Bucket: "ext-photos", Key: "nope" })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(S3ServiceException);
    expect((e as S3ServiceException).name).toBe("NoSuchKey");
  });

  it("re-signs presigned URLs and expires them by the stack's clock", async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "ext-photos", Key: "signin/selfie.jpg" }), { expiresIn: 60, signingDate: new Date(clock.now()) });
    expect((await fetch(url, { method: "PUT", body: "selfie bytes" })).status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "ext-photos", Key: "signin/selfie.jpg" }), { expiresIn: 60, signingDate: new Date(clock.now()) });
    expect(await (await fetch(getUrl)).text()).toBe("selfie bytes");
    clock.advance(61_000);
    const expired = await fetch(getUrl);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("<Message>Request has expired</Message>");
  });

  it("raises the s3:notification event itself after PutObject through rekognito", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "ext-uploads" }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "ext-uploads",
        NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "idx", LambdaFunctionArn: arn, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "documents/" }] } } }] },
      }),
    );
    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "ext-uploads" }));
    expect(config.LambdaFunctionConfigurations?.[0]).toMatchObject({ Id: "idx", LambdaFunctionArn: arn });
    notifications.length = 0;
    await s3.send(new PutObjectCommand({ Bucket: "ext-uploads", Key: "documents/my id.png", Body: "png" }));
    await s3.send(new PutObjectCommand({ Bucket: "ext-uploads", Key: "elsewhere/x.png", Body: "png" }));
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.event.Records[0]).toMatchObject({
      eventName: "ObjectCreated:Put",
      awsRegion: "us-east-1",
      s3: { configurationId: "idx", bucket: { name: "ext-uploads", arn: "arn:aws:s3:::ext-uploads" }, object: { key: "documents/my+id.png", size: 3, eTag: md5(Buffer.from("png")) } },
    });
  });

  it("passes bucket configurations through (encryption, CORS, lifecycle, Block Public Access) and keeps policies itself", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "ext-config" }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: "ext-config", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } }));
    await s3.send(new PutBucketCorsCommand({ Bucket: "ext-config", CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["*"] }] } }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "ext-config", LifecycleConfiguration: { Rules: [{ ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 } }] } }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: "ext-config", PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    // Straight from moto: the configurations are there.
    const direct = new S3Client(s3Config(moto.endpoint));
    expect((await direct.send(new GetBucketCorsCommand({ Bucket: "ext-config" }))).CORSRules?.[0]?.AllowedMethods).toEqual(["PUT"]);
    expect((await direct.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "ext-config" }))).Rules?.[0]?.ID).toBe("tmp");
    expect((await direct.send(new GetBucketEncryptionCommand({ Bucket: "ext-config" }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    expect((await direct.send(new GetPublicAccessBlockCommand({ Bucket: "ext-config" }))).PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(true);
    // A deny-insecure-transport policy kept by rekognito, never evaluated by moto: http requests still work.
    const policy = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::ext-config/*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: "ext-config", Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: "ext-config" }))).Policy).toBe(policy);
    await s3.send(new PutObjectCommand({ Bucket: "ext-config", Key: "doc.jpg", Body: "x" }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: "ext-config" }));
    expect(await s3.send(new GetBucketPolicyCommand({ Bucket: "ext-config" })).catch((e: S3ServiceException) => e.name)).toBe("NoSuchBucketPolicy");
    expect(await s3.send(new GetBucketPolicyCommand({ Bucket: "ext-missing" })).catch((e: S3ServiceException) => e.name)).toBe("NoSuchBucket");
    direct.destroy();
  });

  it("passes DynamoDB through, GSI included", async () => {
    const client = new DynamoDBClient(sdkConfig(stack.endpoint));
    const doc = DynamoDBDocumentClient.from(client);
    await createFacesTable(client, "ext-faces");
    await doc.send(new PutCommand({ TableName: "ext-faces", Item: { faceId: "f1", userSub: "u1", indexedAt: 1 } }));
    expect((await doc.send(new GetCommand({ TableName: "ext-faces", Key: { faceId: "f1" } }))).Item).toMatchObject({ userSub: "u1" });
    const q = await doc.send(new QueryCommand({ TableName: "ext-faces", IndexName: "byUser", KeyConditionExpression: "userSub = :u", ExpressionAttributeValues: { ":u": "u1" } }));
    expect(q.Items?.map((i) => i["faceId"])).toEqual(["f1"]);
    // Time to Live goes to the endpoint too (rekognito's own TTL store is for dynalite only).
    await client.send(new UpdateTimeToLiveCommand({ TableName: "ext-faces", TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true } }));
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: "ext-faces" }))).TimeToLiveDescription?.AttributeName).toBe("expiresAt");
    client.destroy();
  });

  it("keeps the notification configurations it saw across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-ext-"));
    try {
      const first = await startStack({ storageEndpoint: moto.endpoint, dataDir, ephemeral: false });
      const c1 = new S3Client(s3Config(first.endpoint));
      await c1.send(new CreateBucketCommand({ Bucket: "ext-kept" }));
      await c1.send(new PutBucketNotificationConfigurationCommand({ Bucket: "ext-kept", NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "k", LambdaFunctionArn: arn, Events: ["s3:ObjectCreated:Put"] }] } }));
      c1.destroy();
      await first.close();
      const second = await startStack({ storageEndpoint: moto.endpoint, dataDir, ephemeral: false });
      const seen: S3Notification[] = [];
      second.app.core.events.on("s3:notification", (n) => seen.push(n));
      const c2 = new S3Client(s3Config(second.endpoint));
      await c2.send(new PutObjectCommand({ Bucket: "ext-kept", Key: "x", Body: "x" }));
      expect(seen.map((n) => n.configurationId)).toEqual(["k"]);
      c2.destroy();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("an external endpoint that does not answer", () => {
  it("gives a clear 503 ServiceUnavailable for S3 and DynamoDB, not a hang or a 500", async () => {
    const port = await freePort();
    const stack = await startStack({ storageEndpoint: `http://127.0.0.1:${port}` });
    try {
      const s3 = new S3Client(s3Config(stack.endpoint, { maxAttempts: 1 }));
      const e = (await s3.send(new GetObjectCommand({ Bucket: "any-bucket", Key: "k" })).catch((x: unknown) => x)) as S3ServiceException;
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(["ServiceUnavailable", 503]);
      expect(e.message).toContain(`127.0.0.1:${port}`);
      const head = (await s3.send(new HeadBucketCommand({ Bucket: "any-bucket" })).catch((x: unknown) => x)) as S3ServiceException;
      expect(head.$metadata.httpStatusCode).toBe(503);
      const ddb = new DynamoDBClient(sdkConfig(stack.endpoint, { maxAttempts: 1 }));
      const d = (await ddb.send(new ListTablesCommand({})).catch((x: unknown) => x)) as Error & { $metadata: { httpStatusCode: number } };
      expect([d.name, d.$metadata.httpStatusCode]).toEqual(["ServiceUnavailable", 503]);
      s3.destroy();
      ddb.destroy();
    } finally {
      await stack.close();
    }
  });
});

describe("an external endpoint that refuses Lambda destinations it cannot see (LocalStack)", () => {
  it("keeps the configuration in rekognito, answers success, shows it, and raises the events", async () => {
    // A stand-in for LocalStack's S3: it validates Lambda destinations against its own Lambda service.
    const seen: string[] = [];
    const fake: Server = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        if (req.method === "PUT" && req.url?.includes("notification")) {
          res.writeHead(400, { "content-type": "application/xml" });
          res.end("<Error><Code>InvalidArgument</Code><Message>Unable to validate the following destination configurations</Message></Error>");
        } else if (req.method === "GET" && req.url?.includes("notification")) {
          res.writeHead(200, { "content-type": "application/xml" });
          res.end('<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
        } else {
          res.writeHead(200, { etag: '"0cc175b9c0f1b6a831c399e269772661"' });
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const { port } = fake.address() as { port: number };
    const stack = await startStack({ storageEndpoint: `http://127.0.0.1:${port}` });
    try {
      const events: S3Notification[] = [];
      stack.app.core.events.on("s3:notification", (n) => events.push(n));
      const s3 = new S3Client(s3Config(stack.endpoint));
      await s3.send(new CreateBucketCommand({ Bucket: "ls-bucket" }));
      const arn = "arn:aws:lambda:us-east-1:000000000000:function:index-faces";
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: "ls-bucket", NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "n", LambdaFunctionArn: arn, Events: ["s3:ObjectCreated:*"] }] } }));
      const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "ls-bucket" }));
      expect(config.LambdaFunctionConfigurations?.[0]).toMatchObject({ Id: "n", LambdaFunctionArn: arn });
      await s3.send(new PutObjectCommand({ Bucket: "ls-bucket", Key: "a", Body: "a" }));
      expect(events.map((e) => [e.configurationId, e.event.Records[0]!.s3.object.eTag])).toEqual([["n", "0cc175b9c0f1b6a831c399e269772661"]]);
      expect(seen.some((l) => /^PUT \/ls-bucket\/?\?notification/.test(l))).toBe(true);
      s3.destroy();
    } finally {
      await stack.close();
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});
