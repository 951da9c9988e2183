import { objectEvent } from "../notifications.js";
import { createHash } from "node:crypto";
import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { checksumOf, type ChecksumAlgorithm } from "../checksums.js";
import { quotedEtag } from "../objects.js";
import { all, first, parseXml, text, xmlDocument } from "../xml.js";

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * POST /{Bucket}/{Key}?uploadId=U: the parts listed, in ascending order, become the object.
 * ETag is S3's multipart one (MD5 of the parts' MD5s, "-N"); the checksum is composite
 * (checksum of the parts' checksums, "-N") or full-object, as the upload was created.
 */
export const CompleteMultipartUpload =
  ({ store, notifier, clock }: Pick<S3Services, "store" | "notifier" | "clock">) =>
  (req: S3Request): S3Response => {
    const upload = store.upload(req.bucket, req.key!, req.query["uploadId"] ?? "");
    const root = first(parseXml(req.body), "CompleteMultipartUpload");
    if (root === undefined) throw S3Errors.malformedXml();
    const listed = all(root, "Part").map((p) => ({ number: Number(text(p, "PartNumber")), etag: (text(p, "ETag") ?? "").replace(/"/g, "") }));
    if (!listed.length) throw S3Errors.noParts();
    const parts = listed.map((l, i) => {
      if (i > 0 && l.number <= listed[i - 1]!.number) throw S3Errors.invalidPartOrder(upload.uploadId);
      const part = upload.parts.get(l.number);
      if (!part || part.etag !== l.etag) throw S3Errors.invalidPart(upload.uploadId, l.number, l.etag);
      return part;
    });
    parts.forEach((p, i) => {
      if (i < parts.length - 1 && p.size < MIN_PART_SIZE) throw S3Errors.entityTooSmall(p.size, p.partNumber, p.etag);
    });
    const data = Buffer.concat(parts.map((p) => store.readPart(p)));
    const etag = `${createHash("md5").update(Buffer.concat(parts.map((p) => Buffer.from(p.etag, "hex")))).digest("hex")}-${parts.length}`;
    let checksum: { algorithm: ChecksumAlgorithm; value: string; type: "COMPOSITE" | "FULL_OBJECT" } | undefined;
    const algorithm = upload.checksumAlgorithm;
    if (algorithm && upload.checksumType === "FULL_OBJECT") checksum = { algorithm, value: checksumOf(algorithm, data), type: "FULL_OBJECT" };
    else if (algorithm) {
      const joined = Buffer.concat(parts.map((p) => Buffer.from(p.checksum?.value ?? checksumOf(algorithm, store.readPart(p)), "base64")));
      checksum = { algorithm, value: `${checksumOf(algorithm, joined)}-${parts.length}`, type: "COMPOSITE" };
    }
    const bucket = store.bucket(req.bucket);
    const record = store.putObject(req.bucket, { ...upload.object, size: data.length, etag, lastModified: req.ctx.now, checksum }, data);
    store.abortUpload(upload.uploadId);
    notifier.notify(bucket.notification, objectEvent(req, bucket, "ObjectCreated:CompleteMultipartUpload", { key: record.key, size: record.size, etag: record.etag }, clock.now()));
    return {
      headers: { "content-type": "application/xml", "x-amz-server-side-encryption": "AES256" },
      body: xmlDocument("CompleteMultipartUploadResult", {
        Location: `${req.ctx.baseUrl}/${req.bucket}/${encodeURIComponent(record.key).replace(/%2F/g, "/")}`,
        Bucket: req.bucket,
        Key: record.key,
        ETag: quotedEtag(etag),
        ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: upload.checksumType } : {}),
      }),
    };
  };
