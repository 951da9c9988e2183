import { objectEvent } from "../notifications.js";
import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { md5Hex } from "../checksums.js";
import { checksumHeaders, describedBy, quotedEtag, STORAGE_CLASSES } from "../objects.js";
import { verifyPayload } from "../payload.js";

/** Headers that ask for features rekognito's S3 does not have: refused, never ignored. */
const UNSUPPORTED_HEADERS = [
  "x-amz-tagging",
  "x-amz-object-lock-mode",
  "x-amz-object-lock-retain-until-date",
  "x-amz-object-lock-legal-hold",
  "x-amz-server-side-encryption-customer-algorithm",
  "x-amz-website-redirect-location",
];

export function checkObjectWriteHeaders(req: S3Request): void {
  const keyBytes = Buffer.byteLength(req.key ?? "", "utf8");
  if (keyBytes > 1024) throw S3Errors.keyTooLong(keyBytes);
  for (const h of UNSUPPORTED_HEADERS) if (req.headers[h] !== undefined) throw S3Errors.notImplemented(`The ${h} header`);
  const acl = req.headers["x-amz-acl"];
  if (acl && acl !== "bucket-owner-full-control" && acl !== "private") throw S3Errors.aclNotSupported();
  if (Object.keys(req.headers).some((h) => h.startsWith("x-amz-grant-"))) throw S3Errors.aclNotSupported();
  const storageClass = req.headers["x-amz-storage-class"];
  if (storageClass && !STORAGE_CLASSES.has(storageClass)) throw S3Errors.invalidStorageClass();
}

/** PUT /{Bucket}/{Key} (also through a presigned URL). */
export const PutObject =
  ({ store, notifier, clock }: Pick<S3Services, "store" | "notifier" | "clock">) =>
  (req: S3Request): S3Response => {
    const key = req.key!;
    const bucket = store.bucket(req.bucket);
    checkObjectWriteHeaders(req);
    const checksum = verifyPayload(req);
    if (req.headers["if-none-match"] === "*" && store.getObject(req.bucket, key)) throw S3Errors.preconditionFailed("If-None-Match");
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined) {
      const current = store.getObject(req.bucket, key);
      if (!current) throw S3Errors.noSuchKey(key);
      if (ifMatch !== "*" && ifMatch.replace(/"/g, "") !== current.etag) throw S3Errors.preconditionFailed("If-Match");
    }
    const h = req.headers;
    const storageClass = h["x-amz-storage-class"];
    const record = store.putObject(
      req.bucket,
      {
        key,
        size: req.body.length,
        etag: md5Hex(req.body),
        lastModified: req.ctx.now,
        ...describedBy(h),
        storageClass: storageClass && storageClass !== "STANDARD" ? storageClass : undefined,
        checksum,
      },
      req.body,
    );
    notifier.notify(bucket.notification, objectEvent(req, bucket, "ObjectCreated:Put", { key, size: record.size, etag: record.etag }, clock.now()));
    return {
      headers: {
        etag: quotedEtag(record.etag),
        "x-amz-server-side-encryption": "AES256",
        ...checksumHeaders(record),
      },
    };
  };
