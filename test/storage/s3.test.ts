import { failure as failureOf } from "../support/failure.js";
import { signedFetch } from "../support/sign.js";
import { signedHeaders } from "../support/sign.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  paginateListBuckets,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startStack, type Stack } from "../../server/stack.js";
import { ManualClock } from "../../server/core/clock.js";
import type { S3Notification } from "../../server/core/events.js";
import { s3Config } from "../support/clients.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

function pattern(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const failure = (promise: Promise<unknown>) => failureOf(promise, S3ServiceException);

describe("S3 (embedded engine) through the AWS SDK", () => {
  let stack: Stack;
  let s3: S3Client;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const notifications: S3Notification[] = [];

  beforeAll(async () => {
    stack = await startStack({ clock });
    stack.app.core.events.on("s3:notification", (n) => notifications.push(n));
    s3 = new S3Client(s3Config(stack.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
  });
  afterAll(async () => {
    s3?.destroy();
    await stack?.close();
  });

  describe("buckets", () => {
    it("creates, lists, heads and deletes buckets; the region comes from the request", async () => {
      const eu = new S3Client(s3Config(stack.endpoint, { region: "eu-west-1" }));
      await eu.send(new CreateBucketCommand({ Bucket: "euro-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
      const head = await s3.send(new HeadBucketCommand({ Bucket: "euro-bucket" }));
      expect(head.BucketRegion).toBe("eu-west-1");
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: "euro-bucket" }))).LocationConstraint).toBe("eu-west-1");
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: "photos" }))).LocationConstraint).toBeUndefined();
      const list = await s3.send(new ListBucketsCommand({}));
      expect(list.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(["euro-bucket", "photos"]));
      expect(list.Buckets?.find((b) => b.Name === "photos")?.CreationDate).toEqual(new Date(clock.now()));
      const names: string[] = [];
      for await (const page of paginateListBuckets({ client: s3, pageSize: 1 }, {})) names.push(...(page.Buckets ?? []).map((b) => b.Name!));
      expect(names).toEqual(list.Buckets?.map((b) => b.Name));
      const wrongOwner = await failure(s3.send(new HeadBucketCommand({ Bucket: "photos", ExpectedBucketOwner: "111111111111" })));
      expect(wrongOwner.$metadata.httpStatusCode).toBe(403);
      // The SDK adds LocationConstraint for a regional client itself; a raw request without one is refused, as on AWS.
      const host = new URL(stack.endpoint).host;
      const unspecified = await fetch(`${stack.endpoint}/euro-bucket-2`, {
        method: "PUT",
        headers: await signedHeaders("s3", { method: "PUT", path: "/euro-bucket-2", headers: {}, host }, "eu-west-1"),
      });
      expect(unspecified.status).toBe(400);
      expect(await unspecified.text()).toContain(
        "<Code>IllegalLocationConstraintException</Code><Message>The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.</Message>",
      );
      await eu.send(new CreateBucketCommand({ Bucket: "euro-bucket-3" }));
      expect((await s3.send(new HeadBucketCommand({ Bucket: "euro-bucket-3" }))).BucketRegion).toBe("eu-west-1");
      await eu.send(new DeleteBucketCommand({ Bucket: "euro-bucket-3" }));
      const again = await failure(eu.send(new CreateBucketCommand({ Bucket: "euro-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })));
      expect(again.name).toBe("BucketAlreadyOwnedByYou");
      expect(again.$metadata.httpStatusCode).toBe(409);
      // us-east-1 keeps AWS's legacy answer: 200 for a bucket you already own there.
      await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
      await eu.send(new DeleteBucketCommand({ Bucket: "euro-bucket" }));
      const gone = await failure(s3.send(new HeadBucketCommand({ Bucket: "euro-bucket" })));
      expect(gone.$metadata.httpStatusCode).toBe(404);
      eu.destroy();
    });

    it("refuses invalid names, deleting a non-empty bucket, and unknown buckets", async () => {
      for (const name of ["ab", "Upper-Case", "bad..dots", "192.168.1.1", "-dash", "under_score"]) {
        const e = await failure(s3.send(new CreateBucketCommand({ Bucket: name })));
        expect(e.name, name).toBe("InvalidBucketName");
        expect(e.$metadata.httpStatusCode).toBe(400);
      }
      await s3.send(new CreateBucketCommand({ Bucket: "full-bucket" }));
      await s3.send(new PutObjectCommand({ Bucket: "full-bucket", Key: "x", Body: "x" }));
      const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: "full-bucket" })));
      expect(notEmpty.name).toBe("BucketNotEmpty");
      expect(notEmpty.$metadata.httpStatusCode).toBe(409);
      const missing = await failure(s3.send(new PutObjectCommand({ Bucket: "no-such-bucket", Key: "k", Body: "x" })));
      expect(missing.name).toBe("NoSuchBucket");
      expect(missing.$metadata.httpStatusCode).toBe(404);
    });
  });

  describe("objects", () => {
    it("round-trips a binary Buffer byte-exact with the SDK's default CRC32 checksum, metadata and content type", async () => {
      const body = pattern(256 * 1024);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: "photos", Key: "docs/id.png", Body: body, ContentType: "image/png", Metadata: { owner: "alice", "sub-id": "42" } }),
      );
      expect(put.ETag).toBe(`"${md5(body)}"`);
      expect(put.ChecksumCRC32).toBeDefined();
      const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "docs/id.png" }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(bytes.equals(body)).toBe(true);
      expect(got.ContentType).toBe("image/png");
      expect(got.ContentLength).toBe(body.length);
      expect(got.ETag).toBe(`"${md5(body)}"`);
      expect(got.Metadata).toEqual({ owner: "alice", "sub-id": "42" });
      expect(got.LastModified).toEqual(new Date(clock.now()));
      expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    });

    it("decodes aws-chunked streaming uploads (STREAMING-UNSIGNED-PAYLOAD-TRAILER) of several MB byte-exact", async () => {
      const body = pattern(6 * 1024 * 1024 + 123, 7);
      const chunks = [body.subarray(0, 65536), body.subarray(65536, 3_000_000), body.subarray(3_000_000)];
      const put = await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "big.bin", Body: Readable.from(chunks), ContentLength: body.length }));
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "big.bin" }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(bytes.length).toBe(body.length);
      expect(bytes.equals(body)).toBe(true);
      const other = await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "crc32c.bin", Body: body.subarray(0, 1000), ChecksumAlgorithm: "CRC32C" }));
      expect(other.ChecksumCRC32C).toBeDefined();
      const head = await s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "crc32c.bin", ChecksumMode: "ENABLED" }));
      expect(head.ChecksumCRC32C).toBe(other.ChecksumCRC32C);
    });

    it("decodes STREAMING-AWS4-HMAC-SHA256-PAYLOAD framing and rejects a wrong checksum with BadDigest", async () => {
      const payload = Buffer.from("hello chunked world");
      const framed = Buffer.concat([
        Buffer.from(`b;chunk-signature=${"0".repeat(64)}\r\n`),
        payload.subarray(0, 11),
        Buffer.from(`\r\n8;chunk-signature=${"1".repeat(64)}\r\n`),
        payload.subarray(11),
        Buffer.from(`\r\n0;chunk-signature=${"2".repeat(64)}\r\n\r\n`),
      ]);
      // The framing is what this test is about: signed with a key rekognito does not know, so
      // its made-up chunk signatures are not checked (test/gateway/sigv4.test.ts checks real ones).
      const headers = {
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20260301/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": String(payload.length),
      };
      const put = await fetch(`${stack.endpoint}/photos/signed-chunks.txt`, { method: "PUT", headers, body: framed });
      expect(put.status).toBe(200);
      const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "signed-chunks.txt" }));
      expect(await got.Body!.transformToString()).toBe("hello chunked world");
      expect(got.ContentEncoding).toBeUndefined();

      const wrong = await fetch(`${stack.endpoint}/photos/bad.txt`, {
        method: "PUT",
        headers: { ...headers, "content-encoding": "identity", "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-checksum-crc32": "AAAAAA==" },
        body: payload,
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain("<Code>BadDigest</Code>");

      const corrupted = await fetch(`${stack.endpoint}/photos/sha.txt`, {
        method: "PUT",
        headers: { authorization: headers.authorization, "x-amz-content-sha256": createHash("sha256").update("something else").digest("hex") },
        body: payload,
      });
      expect(corrupted.status).toBe(400);
      expect(await corrupted.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    });

    it("serves ranges, HEAD, and NoSuchKey as S3's XML error", async () => {
      const body = Buffer.from("0123456789abcdef");
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "range.txt", Body: body, ContentType: "text/plain" }));
      const part = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "range.txt", Range: "bytes=2-5" }));
      expect(await part.Body!.transformToString()).toBe("2345");
      expect(part.ContentRange).toBe("bytes 2-5/16");
      const tail = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "range.txt", Range: "bytes=-3" }));
      expect(await tail.Body!.transformToString()).toBe("def");
      const bad = await failure(s3.send(new GetObjectCommand({ Bucket: "photos", Key: "range.txt", Range: "bytes=100-" })));
      expect(bad.name).toBe("InvalidRange");
      expect(bad.$metadata.httpStatusCode).toBe(416);
      const head = await s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "range.txt" }));
      expect(head.ContentLength).toBe(16);
      expect(head.ContentType).toBe("text/plain");

      const raw = await signedFetch(`${stack.endpoint}/photos/missing%20key.txt`);
      expect(raw.status).toBe(404);
      const xml = await raw.text();
      expect(xml).toMatch(/<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist\.<\/Message><Key>missing key\.txt<\/Key><RequestId>[0-9A-F]+<\/RequestId>/);
      const e = await failure(s3.send(new GetObjectCommand({ Bucket: "photos", Key: "missing" })));
      expect(e.name).toBe("NoSuchKey");
      const headMissing = await failure(s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "missing" })));
      expect(headMissing.$metadata.httpStatusCode).toBe(404);
    });

    it("copies, deletes one and many", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "orig.txt", Body: "copy me", Metadata: { a: "1" } }));
      const copy = await s3.send(new CopyObjectCommand({ Bucket: "photos", Key: "copies/dup.txt", CopySource: "photos/orig.txt" }));
      expect(copy.CopyObjectResult?.ETag).toBe(`"${md5(Buffer.from("copy me"))}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "copies/dup.txt" }));
      expect(await got.Body!.transformToString()).toBe("copy me");
      expect(got.Metadata).toEqual({ a: "1" });
      await s3.send(new DeleteObjectCommand({ Bucket: "photos", Key: "copies/dup.txt" }));
      await s3.send(new DeleteObjectCommand({ Bucket: "photos", Key: "copies/dup.txt" })); // idempotent
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: " spaced key ", Body: "s" }));
      const many = await s3.send(new DeleteObjectsCommand({ Bucket: "photos", Delete: { Objects: [{ Key: "orig.txt" }, { Key: "never" }, { Key: " spaced key " }] } }));
      expect(many.Deleted?.map((d) => d.Key)).toEqual(["orig.txt", "never", " spaced key "]);
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "photos", Key: " spaced key " })))).$metadata.httpStatusCode).toBe(404);
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "orig.txt" })))).$metadata.httpStatusCode).toBe(404);
    });

    it("answers 501 NotImplemented for operations it does not have, never a fake success", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "tagged", Body: "x" }));
      const e = await failure(s3.send(new PutObjectTaggingCommand({ Bucket: "photos", Key: "tagged", Tagging: { TagSet: [{ Key: "k", Value: "v" }] } })));
      expect(e.name).toBe("NotImplemented");
      expect(e.$metadata.httpStatusCode).toBe(501);
      const versioning = await fetch(`${stack.endpoint}/photos?versioning`);
      expect(versioning.status).toBe(501);
      expect(await versioning.text()).toContain("<Code>NotImplemented</Code>");
    });
  });

  describe("multipart uploads", () => {
    it("assembles parts into one object with S3's multipart ETag and composite checksum", async () => {
      const part1 = pattern(5 * 1024 * 1024, 11);
      const part2 = pattern(1234, 12);
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "photos", Key: "multi/video.bin", ContentType: "video/mp4", Metadata: { m: "1" }, ChecksumAlgorithm: "CRC32" }));
      expect(UploadId).toBeTruthy();
      const p1 = await s3.send(new UploadPartCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId, PartNumber: 1, Body: part1 }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId, PartNumber: 2, Body: Readable.from([part2]), ContentLength: part2.length }));
      expect(p1.ETag).toBe(`"${md5(part1)}"`);
      const listed = await s3.send(new ListPartsCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, part1.length], [2, part2.length]]);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "photos" }));
      expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);

      const tooSmall = await failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }] } })),
      );
      expect(tooSmall.name).toBe("InvalidPartOrder");
      const wrongEtag = await failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00"' }] } })),
      );
      expect(wrongEtag.name).toBe("InvalidPart");

      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "photos",
          Key: "multi/video.bin",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }, { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 }] },
        }),
      );
      const partMd5s = Buffer.concat([Buffer.from(md5(part1), "hex"), Buffer.from(md5(part2), "hex")]);
      expect(done.ETag).toBe(`"${createHash("md5").update(partMd5s).digest("hex")}-2"`);
      expect(done.ChecksumCRC32).toMatch(/-2$/);
      const head = await s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "multi/video.bin", ChecksumMode: "ENABLED" }));
      expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([done.ChecksumCRC32, "COMPOSITE"]);
      const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "multi/video.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([part1, part2]))).toBe(true);
      expect(got.ContentType).toBe("video/mp4");
      expect(got.Metadata).toEqual({ m: "1" });
      const gone = await failure(s3.send(new ListPartsCommand({ Bucket: "photos", Key: "multi/video.bin", UploadId })));
      expect(gone.name).toBe("NoSuchUpload");
    });

    it("refuses parts under 5 MiB but the last, and aborts", async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "photos", Key: "multi/small.bin" }));
      const a = await s3.send(new UploadPartCommand({ Bucket: "photos", Key: "multi/small.bin", UploadId, PartNumber: 1, Body: "aaa" }));
      const b = await s3.send(new UploadPartCommand({ Bucket: "photos", Key: "multi/small.bin", UploadId, PartNumber: 2, Body: "bbb" }));
      const small = await failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: "photos", Key: "multi/small.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] } })),
      );
      expect(small.name).toBe("EntityTooSmall");
      await s3.send(new AbortMultipartUploadCommand({ Bucket: "photos", Key: "multi/small.bin", UploadId }));
      const aborted = await failure(s3.send(new UploadPartCommand({ Bucket: "photos", Key: "multi/small.bin", UploadId, PartNumber: 3, Body: "c" })));
      expect(aborted.name).toBe("NoSuchUpload");
      expect(aborted.$metadata.httpStatusCode).toBe(404);
    });
  });

  describe("ListObjectsV2", () => {
    beforeAll(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "listing" }));
      const keys = ["a/1", "a/2", "a/b/3", "c", "d/4", "d/5", "e"];
      for (let i = 0; i < 25; i++) keys.push(`many/${String(i).padStart(2, "0")}`);
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: "listing", Key, Body: Key }));
    });

    it("groups by delimiter and filters by prefix", async () => {
      const top = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Delimiter: "/" }));
      expect(top.Contents?.map((c) => c.Key)).toEqual(["c", "e"]);
      expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "d/", "many/"]);
      expect(top.KeyCount).toBe(5);
      const a = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Prefix: "a/", Delimiter: "/" }));
      expect(a.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2"]);
      expect(a.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/b/"]);
      const c = (await s3.send(new ListObjectsV2Command({ Bucket: "listing", Prefix: "c" }))).Contents?.[0];
      expect(c).toMatchObject({ Key: "c", Size: 1, ETag: `"${md5(Buffer.from("c"))}"`, StorageClass: "STANDARD" });
    });

    it("pages with max-keys and continuation tokens, also across common prefixes, and honours start-after", async () => {
      const keys: string[] = [];
      let pages = 0;
      for await (const page of paginateListObjectsV2({ client: s3, pageSize: 4 }, { Bucket: "listing" })) {
        pages++;
        expect(page.KeyCount).toBeLessThanOrEqual(4);
        keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      }
      expect(keys.length).toBe(32);
      expect(pages).toBe(8);
      expect(keys).toEqual([...keys].sort());
      const grouped: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: "listing", Delimiter: "/" })) {
        grouped.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      }
      expect(grouped.sort()).toEqual(["a/", "c", "d/", "e", "many/"]);
      const after = await s3.send(new ListObjectsV2Command({ Bucket: "listing", StartAfter: "many/22" }));
      expect(after.Contents?.map((c) => c.Key)).toEqual(["many/23", "many/24"]);
      const badToken = await failure(s3.send(new ListObjectsV2Command({ Bucket: "listing", ContinuationToken: "garbage" })));
      expect(badToken.name).toBe("InvalidArgument");
    });
  });

  describe("presigned URLs", () => {
    it("PUT and GET through presigned URLs with fetch; expired by the stack's clock", async () => {
      const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "photos", Key: "signin/challenge 1.jpg", ContentType: "image/jpeg" }), {
        expiresIn: 300,
        signingDate: new Date(clock.now()),
      });
      const body = pattern(50_000, 3);
      const put = await fetch(putUrl, { method: "PUT", body: new Uint8Array(body), headers: { "content-type": "image/jpeg" } });
      expect(put.status).toBe(200);
      expect(put.headers.get("etag")).toBe(`"${md5(body)}"`);
      const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "photos", Key: "signin/challenge 1.jpg" }), {
        expiresIn: 60,
        signingDate: new Date(clock.now()),
      });
      const got = await fetch(getUrl);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("image/jpeg");
      expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);

      clock.advance(61_000);
      const expired = await fetch(getUrl);
      expect(expired.status).toBe(403);
      const xml = await expired.text();
      expect(xml).toContain("<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>60</X-Amz-Expires>");
      clock.advance(300_000);
      const late = await fetch(putUrl, { method: "PUT", body: "late", headers: { "content-type": "image/jpeg" } });
      expect(late.status).toBe(403);
    });
  });

  describe("notifications", () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:index-faces";

    it("stores the configuration and raises an S3Event record per matching ObjectCreated", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "uploads" }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "uploads",
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                Id: "index-documents",
                LambdaFunctionArn: arn,
                Events: ["s3:ObjectCreated:*"],
                Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "documents/" }, { Name: "suffix", Value: ".jpg" }] } },
              },
            ],
          },
        }),
      );
      const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "uploads" }));
      expect(config.LambdaFunctionConfigurations).toEqual([
        {
          Id: "index-documents",
          LambdaFunctionArn: arn,
          Events: ["s3:ObjectCreated:*"],
          Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "documents/" }, { Name: "suffix", Value: ".jpg" }] } },
        },
      ]);

      notifications.length = 0;
      const key = "documents/Zoë Ünal (id) +1.jpg";
      const body = Buffer.from("not really a jpeg");
      const put = await s3.send(new PutObjectCommand({ Bucket: "uploads", Key: key, Body: body }));
      await s3.send(new PutObjectCommand({ Bucket: "uploads", Key: "documents/skip.png", Body: "x" }));
      await s3.send(new PutObjectCommand({ Bucket: "uploads", Key: "other/skip.jpg", Body: "x" }));
      expect(notifications).toHaveLength(1);
      const n = notifications[0]!;
      expect(n).toMatchObject({ targetArn: arn, targetType: "lambda", configurationId: "index-documents" });
      expect(n.event.Records).toHaveLength(1);
      const record = n.event.Records[0]!;
      expect(record).toMatchObject({
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: new Date(clock.now()).toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: expect.any(String) },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": put.$metadata.requestId, "x-amz-id-2": put.$metadata.extendedRequestId },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "index-documents",
          bucket: { name: "uploads", ownerIdentity: { principalId: expect.any(String) }, arn: "arn:aws:s3:::uploads" },
          object: { key: "documents/Zo%C3%AB+%C3%9Cnal+%28id%29+%2B1.jpg", size: body.length, eTag: md5(body), sequencer: expect.stringMatching(/^[0-9A-F]+$/) },
        },
      });
      // What a Lambda does with it gets the key back.
      expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, " "))).toBe(key);
    });

    it("raises it for presigned PUTs too, and for the bucket's region", async () => {
      const eu = new S3Client(s3Config(stack.endpoint, { region: "eu-central-1" }));
      await eu.send(new CreateBucketCommand({ Bucket: "eu-uploads", CreateBucketConfiguration: { LocationConstraint: "eu-central-1" } }));
      await eu.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "eu-uploads",
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "put-only", LambdaFunctionArn: arn, Events: ["s3:ObjectCreated:Put"] }] },
        }),
      );
      notifications.length = 0;
      const url = await getSignedUrl(eu, new PutObjectCommand({ Bucket: "eu-uploads", Key: "selfie.jpg" }), { expiresIn: 60, signingDate: new Date(clock.now()) });
      expect((await fetch(url, { method: "PUT", body: "selfie" })).status).toBe(200);
      expect(notifications).toHaveLength(1);
      expect(notifications[0]!.event.Records[0]).toMatchObject({ awsRegion: "eu-central-1", s3: { object: { key: "selfie.jpg", size: 6 } } });
      eu.destroy();
    });

    it("validates configurations as S3 does", async () => {
      const bad = await failure(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: "uploads",
            NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: "not-an-arn", Events: ["s3:ObjectCreated:*"] }] },
          }),
        ),
      );
      expect(bad.name).toBe("InvalidArgument");
      const event = await failure(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: "uploads",
            NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ["s3:Nope" as never] }] },
          }),
        ),
      );
      expect(event.name).toBe("InvalidArgument");
    });
  });

  it("refuses a body over the stack's limit with S3's EntityTooLarge", async () => {
    const small = await startStack({ maxBodyBytes: 1024 });
    try {
      const client = new S3Client(s3Config(small.endpoint, { maxAttempts: 1 }));
      await client.send(new CreateBucketCommand({ Bucket: "tiny" }));
      const e = await failure(client.send(new PutObjectCommand({ Bucket: "tiny", Key: "big", Body: Buffer.alloc(4096) })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(["EntityTooLarge", 400]);
      client.destroy();
    } finally {
      await small.close();
    }
  });

  it("refuses an x-amz-content-sha256 that is neither a payload mode nor a SHA-256, storing nothing", async () => {
    const res = await signedFetch(`${stack.endpoint}/photos/garbage-sha`, { method: "PUT", body: "hello", headers: { "x-amz-content-sha256": "zzz" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidArgument</Code>");
    expect((await signedFetch(`${stack.endpoint}/photos/garbage-sha`)).status).toBe(404);
  });

  it("serves virtual-host style requests (bucket.localhost)", async () => {
    const headers = await signedHeaders("s3", { method: "HEAD", path: "/docs/id.png", headers: {}, host: `photos.localhost:${stack.port}` });
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${stack.endpoint}/docs/id.png`, { method: "HEAD", headers }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: String(res.headers["content-length"]) }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toEqual({ status: 200, body: String(256 * 1024) });
  });

  it("does not shadow the gateway's own routes", async () => {
    const health = await fetch(`${stack.endpoint}/_rekognito/health`);
    expect(health.status).toBe(200);
    const json = (await health.json()) as { services: Record<string, { buckets?: number }> };
    expect(json.services["s3"]?.buckets).toBeGreaterThan(0);
  });
});

describe("S3 persistence", () => {
  it("keeps buckets, objects, metadata and notification configurations across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-s3-"));
    try {
      const first = await startStack({ dataDir, ephemeral: false });
      const c1 = new S3Client(s3Config(first.endpoint));
      await c1.send(new CreateBucketCommand({ Bucket: "kept" }));
      const body = pattern(100_000, 9);
      await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "a.bin", Body: body, Metadata: { who: "me" }, ContentType: "application/x-test" }));
      await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "replaced.txt", Body: "old" }));
      await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "replaced.txt", Body: "new" }));
      await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "deleted.txt", Body: "bye" }));
      await c1.send(new DeleteObjectCommand({ Bucket: "kept", Key: "deleted.txt" }));
      await c1.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "kept",
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "n1", LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f", Events: ["s3:ObjectCreated:*"] }] },
        }),
      );
      const { UploadId } = await c1.send(new CreateMultipartUploadCommand({ Bucket: "kept", Key: "multi.bin" }));
      const part = await c1.send(new UploadPartCommand({ Bucket: "kept", Key: "multi.bin", UploadId, PartNumber: 1, Body: "only part" }));
      c1.destroy();
      await first.close();

      const second = await startStack({ dataDir, ephemeral: false });
      const c2 = new S3Client(s3Config(second.endpoint));
      // A multipart upload in progress survives too.
      await c2.send(new CompleteMultipartUploadCommand({ Bucket: "kept", Key: "multi.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      expect(await (await c2.send(new GetObjectCommand({ Bucket: "kept", Key: "multi.bin" }))).Body!.transformToString()).toBe("only part");
      const got = await c2.send(new GetObjectCommand({ Bucket: "kept", Key: "a.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(got.Metadata).toEqual({ who: "me" });
      expect(got.ContentType).toBe("application/x-test");
      const replaced = await c2.send(new GetObjectCommand({ Bucket: "kept", Key: "replaced.txt" }));
      expect(await replaced.Body!.transformToString()).toBe("new");
      const list = await c2.send(new ListObjectsV2Command({ Bucket: "kept" }));
      expect(list.Contents?.map((c) => c.Key)).toEqual(["a.bin", "multi.bin", "replaced.txt"]);
      const config = await c2.send(new GetBucketNotificationConfigurationCommand({ Bucket: "kept" }));
      expect(config.LambdaFunctionConfigurations?.[0]?.Id).toBe("n1");
      const reader = await second.app.components.find((c) => c.name === "s3");
      expect(reader).toBeDefined();
      c2.destroy();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
