import { describe, expect, it } from "vitest";
import { checksumOf } from "../../server/storage/s3/checksums.js";
import { decodeAwsChunked, isAwsChunked, storedContentEncoding } from "../../server/storage/s3/chunked.js";
import { encodeEventKey } from "../../server/storage/s3/notifications.js";
import { isValidBucketName } from "../../server/storage/s3/objects.js";
import { resolveOperation } from "../../server/storage/s3/operations.js";
import { bucketFromHost, checkPresignedExpiry } from "../../server/protocol/rest-xml.js";
import { S3Error } from "../../server/storage/s3/errors.js";
import { expiryOf } from "../../server/storage/s3/lifecycle.js";
import type { ObjectRecord } from "../../server/storage/s3/records.js";
import { matchCorsRule } from "../../server/storage/s3/configuration.js";

const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");

describe("checksums", () => {
  it("match the algorithms' check values for 123456789", () => {
    const data = Buffer.from("123456789");
    expect(hex(checksumOf("CRC32", data))).toBe("cbf43926");
    expect(hex(checksumOf("CRC32C", data))).toBe("e3069283");
    expect(hex(checksumOf("CRC64NVME", data))).toBe("ae8b14860a799888");
    expect(hex(checksumOf("SHA1", data))).toBe("f7c3bc1d808e04732adf679965ccc34ca7ae3441");
  });
});

describe("aws-chunked", () => {
  it("decodes unsigned framing with a checksum trailer", () => {
    const framed = Buffer.from("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
    const { body, trailers } = decodeAwsChunked(framed, 11);
    expect(body.toString()).toBe("hello world");
    expect(trailers).toEqual({ "x-amz-checksum-crc32": "DUoRhQ==" });
  });

  it("decodes signed framing, binary bytes included", () => {
    const bytes = Buffer.from([0, 13, 10, 48, 255]);
    const framed = Buffer.concat([Buffer.from("5;chunk-signature=ab\r\n"), bytes, Buffer.from("\r\n0;chunk-signature=cd\r\n\r\n")]);
    expect(decodeAwsChunked(framed, 5).body.equals(bytes)).toBe(true);
  });

  it("refuses truncated bodies and a wrong decoded length with IncompleteBody", () => {
    expect(() => decodeAwsChunked(Buffer.from("a\r\nshort\r\n"))).toThrowError(S3Error);
    expect(() => decodeAwsChunked(Buffer.from("5\r\nhello\r\n0\r\n\r\n"), 6)).toThrowError(/terminated unexpectedly/);
  });

  it("recognises aws-chunked requests and keeps only the real content encoding", () => {
    expect(isAwsChunked({ "content-encoding": "aws-chunked" })).toBe(true);
    expect(isAwsChunked({ "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER" })).toBe(true);
    expect(isAwsChunked({ "content-encoding": "gzip" })).toBe(false);
    expect(storedContentEncoding("aws-chunked")).toBeUndefined();
    expect(storedContentEncoding("gzip,aws-chunked")).toBe("gzip");
  });
});

describe("event keys", () => {
  it("are form-URL-encoded as S3 writes them: space as +, UTF-8 as %XX, slashes kept", () => {
    expect(encodeEventKey("documents/my photo.jpg")).toBe("documents/my+photo.jpg");
    expect(encodeEventKey("ü+=&?.png")).toBe("%C3%BC%2B%3D%26%3F.png");
  });
});

describe("routing", () => {
  it("names the operation from method, bucket, key and sub-resources; the SDK's x-id is not one", () => {
    expect(resolveOperation("GET", undefined, undefined, {}, {})).toEqual({ operation: "ListBuckets" });
    expect(resolveOperation("GET", "b", undefined, { "list-type": "2" }, {})).toEqual({ operation: "ListObjectsV2" });
    expect(resolveOperation("PUT", "b", "k", { "x-id": "PutObject" }, {})).toEqual({ operation: "PutObject" });
    expect(resolveOperation("PUT", "b", "k", {}, { "x-amz-copy-source": "b/o" })).toEqual({ operation: "CopyObject" });
    expect(resolveOperation("PUT", "b", "k", { partNumber: "1", uploadId: "u" }, {})).toEqual({ operation: "UploadPart" });
    expect(resolveOperation("PUT", "b", undefined, { notification: "" }, {})).toEqual({ operation: "PutBucketNotificationConfiguration" });
    expect(resolveOperation("GET", "b", undefined, { policy: "" }, {})).toEqual({ operation: "GetBucketPolicy" });
    expect(resolveOperation("DELETE", "b", undefined, { lifecycle: "" }, {})).toEqual({ operation: "DeleteBucketLifecycle" });
    expect(resolveOperation("PUT", "b", undefined, { publicAccessBlock: "" }, {})).toEqual({ operation: "PutPublicAccessBlock" });
  });

  it("names what it does not implement by AWS's operation name (for the request log and the error)", () => {
    expect(resolveOperation("PUT", "b", "k", { tagging: "" }, {})).toMatchObject({ name: "PutObjectTagging" });
    expect(resolveOperation("PUT", "b", undefined, { tagging: "" }, {})).toMatchObject({ name: "PutBucketTagging" });
    expect(resolveOperation("GET", "b", undefined, { versioning: "" }, {})).toMatchObject({ name: "GetBucketVersioning" });
    expect(resolveOperation("GET", "b", undefined, { metrics: "" }, {})).toMatchObject({ name: "ListBucketMetricsConfigurations" });
    expect(resolveOperation("GET", "b", undefined, { metrics: "", id: "m" }, {})).toMatchObject({ name: "GetBucketMetricsConfiguration" });
    expect(resolveOperation("PUT", "b", "k", { partNumber: "1", uploadId: "u" }, { "x-amz-copy-source": "b/o" })).toMatchObject({ name: "UploadPartCopy" });
    expect(resolveOperation("POST", "b", "k", { restore: "" }, {})).toMatchObject({ name: "RestoreObject" });
  });

  it("reads the bucket from virtual-host names", () => {
    expect(bucketFromHost("photos.localhost:4566")).toBe("photos");
    expect(bucketFromHost("my.photos.s3.localhost")).toBe("my.photos");
    expect(bucketFromHost("s3.localhost:4566")).toBeUndefined();
    expect(bucketFromHost("127.0.0.1:4566")).toBeUndefined();
  });

  it("applies S3's bucket naming rules", () => {
    for (const ok of ["abc", "my-bucket.v2", "a".repeat(63)]) expect(isValidBucketName(ok), ok).toBe(true);
    for (const bad of ["ab", "a".repeat(64), "Abc", "a_b", "a..b", "-ab", "ab-", "10.0.0.1", "xn--ab", "ab-s3alias"]) {
      expect(isValidBucketName(bad), bad).toBe(false);
    }
  });
});

describe("presigned expiry", () => {
  const signedAt = Date.UTC(2026, 0, 1, 0, 0, 0);
  const query = { "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": "20260101T000000Z", "X-Amz-Expires": "60" };
  it("accepts until X-Amz-Expires seconds have passed, then AccessDenied", () => {
    expect(() => checkPresignedExpiry(query, signedAt + 60_000)).not.toThrow();
    expect(() => checkPresignedExpiry(query, signedAt + 60_001)).toThrowError("Request has expired");
  });
  it("refuses more than a week", () => {
    expect(() => checkPresignedExpiry({ ...query, "X-Amz-Expires": "604801" }, signedAt)).toThrowError(/604800/);
  });
});

describe("lifecycle expiry", () => {
  const object = (key: string, lastModified: number, size = 10): ObjectRecord => ({ key, size, etag: "e", lastModified, metadata: {}, body: "b" });
  it("is creation + Days rounded up to the next midnight UTC, or the rule's Date; only for what the filter takes in", () => {
    const at = Date.UTC(2026, 2, 10, 15, 30);
    const rule = { Status: "Enabled" as const, Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 } };
    expect(expiryOf(rule, object("tmp/a", at))).toBe(Date.UTC(2026, 2, 12));
    expect(expiryOf(rule, object("tmp/a", Date.UTC(2026, 2, 10)))).toBe(Date.UTC(2026, 2, 11));
    expect(expiryOf(rule, object("keep/a", at))).toBeUndefined();
    expect(expiryOf({ ...rule, Status: "Disabled" }, object("tmp/a", at))).toBeUndefined();
    expect(expiryOf({ Status: "Enabled", Prefix: "", Expiration: { Date: new Date(Date.UTC(2026, 5, 1)) } }, object("x", at))).toBe(Date.UTC(2026, 5, 1));
    const sized = { Status: "Enabled" as const, Filter: { And: { Prefix: "", ObjectSizeGreaterThan: 100 } }, Expiration: { Days: 1 } };
    expect(expiryOf(sized, object("big", at, 101))).toBeDefined();
    expect(expiryOf(sized, object("small", at, 100))).toBeUndefined();
    expect(expiryOf({ Status: "Enabled", Filter: { Tag: { Key: "k", Value: "v" } }, Expiration: { Days: 1 } }, object("x", at))).toBeUndefined();
  });
});

describe("CORS rules", () => {
  const rules = [
    { AllowedOrigins: ["https://*.example.com"], AllowedMethods: ["PUT"], AllowedHeaders: ["x-amz-*", "Content-Type"] },
    { AllowedOrigins: ["*"], AllowedMethods: ["GET"] },
  ];
  it("match origins (one wildcard, case-sensitive), methods and every requested header (case-insensitive)", () => {
    expect(matchCorsRule(rules, "https://app.example.com", "PUT", ["content-type", "x-amz-date"])).toBe(rules[0]);
    expect(matchCorsRule(rules, "https://APP.example.com", "PUT", [])).toBe(rules[0]);
    expect(matchCorsRule(rules, "HTTPS://app.example.com", "PUT", [])).toBeUndefined();
    expect(matchCorsRule(rules, "https://app.example.com", "PUT", ["authorization"])).toBeUndefined();
    expect(matchCorsRule(rules, "https://anything.org", "GET", [])).toBe(rules[1]);
    expect(matchCorsRule(rules, "https://anything.org", "GET", ["x-custom"])).toBeUndefined();
  });
});
