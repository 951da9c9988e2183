import { failure as failureOf } from "../support/failure.js";
import { signedFetch } from "../support/sign.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startStack, type Stack } from "../../server/stack.js";
import { ManualClock } from "../../server/core/clock.js";
import { s3Config } from "../support/clients.js";

const DAY = 86_400_000;

const failure = (promise: Promise<unknown>) => failureOf(promise, S3ServiceException);

const client = (stack: Stack) => new S3Client(s3Config(stack.endpoint));

/** The template's deny-insecure-transport policy, for one bucket (S3 refuses a Resource outside it). */
const policyFor = (bucket: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
const POLICY = policyFor("configured");

describe("S3 bucket configurations through the AWS SDK", () => {
  let stack: Stack;
  let s3: S3Client;
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 15, 0, 0));
  const logs: string[] = [];

  beforeAll(async () => {
    // The origins of the CORS rules below are allowed by the stack's request policy (--allow-origin):
    // only then do a bucket's rules get to decide; evil.example.org is not, and never reaches them.
    stack = await startStack({
      clock,
      logger: { info: (m) => logs.push(m), warn: () => {}, error: (m) => logs.push(m) },
      allowOrigins: ["https://app.example.com", "http://*.example.test", "https://elsewhere.org"],
    });
    s3 = client(stack);
    await s3.send(new CreateBucketCommand({ Bucket: "configured" }));
  });
  afterAll(async () => {
    await stack.close();
  });

  it("encryption: SSE-S3 by default, the bucket's own once put, the default again once deleted", async () => {
    const before = await s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" }));
    expect(before.ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }]);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: "configured",
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/photos" }, BucketKeyEnabled: true, BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] } }],
        },
      }),
    );
    const after = await s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" }));
    expect(after.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/photos" }, BucketKeyEnabled: true, BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] } },
    ]);
    const kmsKeyWithAes = await failure(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: "configured",
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: "k" } }] },
        }),
      ),
    );
    expect(kmsKeyWithAes.name).toBe("InvalidArgument");
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: "configured" }));
    const reset = await s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" }));
    expect(reset.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    const missing = await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "no-such-bucket" })));
    expect(missing.name).toBe("NoSuchBucket");
  });

  it("public access block: all on for a new bucket, as put, NoSuchPublicAccessBlockConfiguration once deleted", async () => {
    const initial = await s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" }));
    expect(initial.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: "configured", PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: false } }));
    const put = await s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" }));
    expect(put.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: "configured" }));
    const gone = await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" })));
    expect(gone.name).toBe("NoSuchPublicAccessBlockConfiguration");
    expect(gone.message).toBe("The public access block configuration was not found");
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it("CORS: NoSuchCORSConfiguration until put, the rules back as put, refused methods named", async () => {
    const none = await failure(s3.send(new GetBucketCorsCommand({ Bucket: "configured" })));
    expect(none.name).toBe("NoSuchCORSConfiguration");
    expect(none.message).toBe("The CORS configuration does not exist");
    const rules = [
      { ID: "uploads", AllowedMethods: ["PUT", "POST"], AllowedOrigins: ["https://app.example.com", "http://*.example.test"], AllowedHeaders: ["content-*", "x-amz-*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 300 },
      { AllowedMethods: ["GET"], AllowedOrigins: ["*"] },
    ];
    await s3.send(new PutBucketCorsCommand({ Bucket: "configured", CORSConfiguration: { CORSRules: rules } }));
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: "configured" }))).CORSRules).toEqual(rules);
    const patch = await failure(
      s3.send(new PutBucketCorsCommand({ Bucket: "configured", CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PATCH"], AllowedOrigins: ["*"] }] } })),
    );
    expect(patch.name).toBe("InvalidRequest");
    expect(patch.message).toBe("Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
  });

  it("CORS: a bucket's rules decide its preflights and its answers' headers", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "configured", Key: "photo.jpg", Body: "x" }));
    const preflight = (origin: string, method: string, headers?: string) =>
      fetch(`${stack.endpoint}/configured/photo.jpg`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": method, ...(headers ? { "access-control-request-headers": headers } : {}) },
      });
    const allowed = await preflight("https://app.example.com", "PUT", "Content-Type, x-amz-checksum-crc32");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-methods")).toBe("PUT, POST");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("content-type, x-amz-checksum-crc32");
    expect(allowed.headers.get("access-control-max-age")).toBe("300");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const wildcardOrigin = await preflight("http://dev.example.test", "POST");
    expect(wildcardOrigin.status).toBe(200);
    const anyOriginGet = await preflight("https://elsewhere.org", "GET");
    expect(anyOriginGet.headers.get("access-control-allow-origin")).toBe("*");

    // An origin the stack does not allow is refused before the bucket's rules are read.
    const disallowed = await preflight("https://evil.example.org", "PUT");
    expect(disallowed.status).toBe(403);
    expect(disallowed.headers.get("access-control-allow-origin")).toBeNull();
    expect(await disallowed.text()).toContain("--allow-origin");
    for (const refused of [
      await preflight("https://elsewhere.org", "PUT"),
      await preflight("https://app.example.com", "DELETE"),
      await preflight("https://app.example.com", "PUT", "authorization"),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const body = await refused.text();
      expect(body).toContain("<Code>AccessForbidden</Code>");
      expect(body).toContain("CORSResponse: This CORS request is not allowed.");
    }

    // Actual requests: the matching rule's headers, and none for an origin no rule allows.
    const get = await signedFetch(`${stack.endpoint}/configured/photo.jpg`, { headers: { origin: "https://elsewhere.org" } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
    const put = await signedFetch(`${stack.endpoint}/configured/photo.jpg`, { method: "PUT", body: "y", headers: { origin: "https://elsewhere.org" } });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-allow-origin")).toBeNull();
    // A disallowed origin's request is refused, signed or not, and stores nothing.
    const evil = await signedFetch(`${stack.endpoint}/configured/photo.jpg`, { method: "PUT", body: "evil", headers: { origin: "https://evil.example.org" } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "configured", Key: "photo.jpg" }))).Body!.transformToString()).toBe("y");
  });

  it("CORS: a bucket without a configuration keeps the permissive answers browsers on localhost need", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "permissive" }));
    const res = await fetch(`${stack.endpoint}/permissive/any.jpg`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBeTruthy();
    await s3.send(new DeleteBucketCorsCommand({ Bucket: "configured" }));
    expect((await failure(s3.send(new GetBucketCorsCommand({ Bucket: "configured" })))).name).toBe("NoSuchCORSConfiguration");
    const back = await fetch(`${stack.endpoint}/configured/photo.jpg`, { method: "OPTIONS", headers: { origin: "https://elsewhere.org", "access-control-request-method": "PUT" } });
    expect(back.status).toBeLessThan(300);
    expect(back.headers.get("access-control-allow-origin")).toBe("https://elsewhere.org");
    await s3.send(new DeleteObjectCommand({ Bucket: "configured", Key: "photo.jpg" }));
  });

  it("policy: NoSuchBucketPolicy until put, the JSON back as put, MalformedPolicy for what is not JSON", async () => {
    const none = await failure(s3.send(new GetBucketPolicyCommand({ Bucket: "configured" })));
    expect(none.name).toBe("NoSuchBucketPolicy");
    expect(none.message).toBe("The bucket policy does not exist");
    await s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: POLICY }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: "configured" }))).Policy).toBe(POLICY);
    const malformed = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: "not json" })));
    expect(malformed.name).toBe("MalformedPolicy");
    expect(malformed.message).toBe("Policies must be valid JSON and the first byte must be '{'");
    expect(malformed.$metadata.httpStatusCode).toBe(400);
    const invalid = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: '{"Statement": [' })));
    expect(invalid.message).toBe("This policy contains invalid Json");
    const empty = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: '{"Statement": []}' })));
    expect(empty.message).toBe("Could not parse the policy: Statement is empty!");
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: "configured" }));
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: "configured" })))).name).toBe("NoSuchBucketPolicy");
  });

  it("lifecycle: NoSuchLifecycleConfiguration until put, the rules back as put, invalid rules refused", async () => {
    const none = await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "configured" })));
    expect(none.name).toBe("NoSuchLifecycleConfiguration");
    expect(none.message).toBe("The lifecycle configuration does not exist");
    const rules = [
      { ID: "tmp", Status: "Enabled" as const, Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { ID: "off", Status: "Disabled" as const, Filter: { Prefix: "" }, Expiration: { Days: 1 } },
    ];
    const put = await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "configured", LifecycleConfiguration: { Rules: rules } }));
    expect(put.TransitionDefaultMinimumObjectSize).toBe("all_storage_classes_128K");
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "configured" }))).Rules).toEqual(rules);
    const zeroDays = await failure(
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "configured", LifecycleConfiguration: { Rules: [{ ID: "z", Status: "Enabled", Filter: {}, Expiration: { Days: 0 } }] } })),
    );
    expect(zeroDays.name).toBe("InvalidArgument");
    const noAction = await failure(
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "configured", LifecycleConfiguration: { Rules: [{ ID: "n", Status: "Enabled", Filter: {} }] } })),
    );
    expect(noAction.name).toBe("InvalidRequest");
  });

  it("lifecycle: an object past its rule's expiry (days, rounded up to midnight UTC) is gone at the next access", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "configured", Key: "tmp/selfie.jpg", Body: "face" }));
    await s3.send(new PutObjectCommand({ Bucket: "configured", Key: "keep/document.jpg", Body: "doc" }));
    // Put at 15:00 on day D with Days: 1 → due at midnight starting day D+2.
    clock.advance(DAY);
    expect((await s3.send(new HeadObjectCommand({ Bucket: "configured", Key: "tmp/selfie.jpg" }))).ContentLength).toBe(4);
    clock.set(Date.UTC(2026, 2, 12, 0, 0, 0));
    const gone = await failure(s3.send(new GetObjectCommand({ Bucket: "configured", Key: "tmp/selfie.jpg" })));
    expect(gone.name).toBe("NoSuchKey");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "configured" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["keep/document.jpg"]);
    // A new object under the prefix has its own due time.
    await s3.send(new PutObjectCommand({ Bucket: "configured", Key: "tmp/next.jpg", Body: "n" }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "configured", Prefix: "tmp/" }))).KeyCount).toBe(1);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "configured" }));
    clock.advance(10 * DAY);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "configured", Prefix: "tmp/" }))).KeyCount).toBe(1);
    expect((await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "configured" })))).name).toBe("NoSuchLifecycleConfiguration");
  });

  it("lifecycle: AbortIncompleteMultipartUpload aborts an upload left unfinished past its due time", async () => {
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: "configured",
        LifecycleConfiguration: { Rules: [{ ID: "abort", Status: "Enabled", Filter: { Prefix: "tmp/" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      }),
    );
    const started = await s3.send(new CreateMultipartUploadCommand({ Bucket: "configured", Key: "tmp/big.bin" }));
    const kept = await s3.send(new CreateMultipartUploadCommand({ Bucket: "configured", Key: "keep/big.bin" }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "configured" }))).Uploads?.length).toBe(2);
    clock.advance(2 * DAY);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "configured" }))).Uploads?.map((u) => u.Key)).toEqual(["keep/big.bin"]);
    const gone = await failure(s3.send(new ListPartsCommand({ Bucket: "configured", Key: "tmp/big.bin", UploadId: started.UploadId })));
    expect(gone.name).toBe("NoSuchUpload");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "configured", Key: "keep/big.bin", UploadId: kept.UploadId }));
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "configured" }));
  });

  it("names operations it lacks in the request log (s3 PutBucketTagging 501)", async () => {
    const e = await failure(s3.send(new PutBucketTaggingCommand({ Bucket: "configured", Tagging: { TagSet: [{ Key: "a", Value: "b" }] } })));
    expect(e.name).toBe("NotImplemented");
    expect(e.$metadata.httpStatusCode).toBe(501);
    expect(e.message).toContain("PutBucketTagging");
    expect(logs.some((line) => line.startsWith("s3 PutBucketTagging 501"))).toBe(true);
  });
});

describe("S3 bucket configurations across a restart", () => {
  it("keeps each configuration, and forgets them with the bucket", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-s3cfg-"));
    try {
      const first = await startStack({ dataDir, ephemeral: false });
      const a = client(first);
      await a.send(new CreateBucketCommand({ Bucket: "kept" }));
      await a.send(new PutBucketEncryptionCommand({ Bucket: "kept", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }] } }));
      await a.send(new PutPublicAccessBlockCommand({ Bucket: "kept", PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
      await a.send(new PutBucketCorsCommand({ Bucket: "kept", CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["https://app.example.com"] }] } }));
      await a.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "kept", LifecycleConfiguration: { Rules: [{ ID: "r", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 3 } }] } }));
      await a.send(new PutBucketPolicyCommand({ Bucket: "kept", Policy: policyFor("kept") }));
      await a.send(new CreateBucketCommand({ Bucket: "dropped" }));
      await a.send(new PutBucketPolicyCommand({ Bucket: "dropped", Policy: policyFor("dropped") }));
      await a.send(new DeleteBucketCommand({ Bucket: "dropped" }));
      await first.close();

      const second = await startStack({ dataDir, ephemeral: false });
      try {
        const b = client(second);
        expect((await b.send(new GetBucketEncryptionCommand({ Bucket: "kept" }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
        expect((await b.send(new GetPublicAccessBlockCommand({ Bucket: "kept" }))).PublicAccessBlockConfiguration?.BlockPublicPolicy).toBe(false);
        expect((await b.send(new GetBucketCorsCommand({ Bucket: "kept" }))).CORSRules?.[0]?.AllowedOrigins).toEqual(["https://app.example.com"]);
        expect((await b.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "kept" }))).Rules?.[0]?.Expiration?.Days).toBe(3);
        expect((await b.send(new GetBucketPolicyCommand({ Bucket: "kept" }))).Policy).toBe(policyFor("kept"));
        const refused = await fetch(`${second.endpoint}/kept/x.jpg`, { method: "OPTIONS", headers: { origin: "https://evil.example.org", "access-control-request-method": "PUT" } });
        expect(refused.status).toBe(403);
        await b.send(new CreateBucketCommand({ Bucket: "dropped" }));
        expect((await failure(b.send(new GetBucketPolicyCommand({ Bucket: "dropped" })))).name).toBe("NoSuchBucketPolicy");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
