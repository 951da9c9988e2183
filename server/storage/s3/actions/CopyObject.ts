import { objectEvent } from "../notifications.js";
import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { describedBy, isoDate, quotedEtag } from "../objects.js";
import { xmlDocument } from "../xml.js";
import { checkObjectWriteHeaders } from "./PutObject.js";

/** PUT /{Bucket}/{Key} with x-amz-copy-source: "bucket/key" (URL-encoded), MetadataDirective COPY | REPLACE. */
export const CopyObject =
  ({ store, notifier, clock }: Pick<S3Services, "store" | "notifier" | "clock">) =>
  (req: S3Request): S3Response => {
    const raw = req.headers["x-amz-copy-source"]!;
    const [pathPart, queryPart] = raw.split("?", 2) as [string, string | undefined];
    let source: string;
    try {
      source = decodeURIComponent(pathPart.replace(/^\//, ""));
    } catch {
      throw S3Errors.invalidArgument("Invalid copy source encoding", "x-amz-copy-source", raw);
    }
    const slash = source.indexOf("/");
    if (slash <= 0 || slash === source.length - 1) {
      throw S3Errors.invalidArgument("Invalid copy source object key", "x-amz-copy-source", raw);
    }
    const sourceBucket = source.slice(0, slash);
    const sourceKey = source.slice(slash + 1);
    const versionId = queryPart ? new URLSearchParams(queryPart).get("versionId") : null;
    if (versionId !== null && versionId !== "null") throw S3Errors.noSuchVersion(versionId);
    const original = store.getObject(sourceBucket, sourceKey);
    if (!original) throw S3Errors.noSuchKey(sourceKey);
    const target = store.bucket(req.bucket);
    checkObjectWriteHeaders(req);
    const directive = req.headers["x-amz-metadata-directive"] ?? "COPY";
    if (directive !== "COPY" && directive !== "REPLACE") {
      throw S3Errors.invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
    }
    const storageClass = req.headers["x-amz-storage-class"];
    if (sourceBucket === req.bucket && sourceKey === req.key && directive === "COPY" && !storageClass) {
      throw S3Errors.copyToItself();
    }
    const h = req.headers;
    const described =
      directive === "REPLACE"
        ? describedBy(h)
        : {
            contentType: original.contentType,
            contentEncoding: original.contentEncoding,
            contentDisposition: original.contentDisposition,
            contentLanguage: original.contentLanguage,
            cacheControl: original.cacheControl,
            expires: original.expires,
            metadata: { ...original.metadata },
          };
    const body = store.readBody(original);
    const record = store.putObject(
      req.bucket,
      {
        key: req.key!,
        size: original.size,
        etag: original.etag,
        lastModified: req.ctx.now,
        storageClass: storageClass && storageClass !== "STANDARD" ? storageClass : undefined,
        checksum: original.checksum,
        ...described,
      },
      body,
    );
    notifier.notify(target.notification, objectEvent(req, target, "ObjectCreated:Copy", { key: record.key, size: record.size, etag: record.etag }, clock.now()));
    return {
      headers: { "content-type": "application/xml", "x-amz-server-side-encryption": "AES256" },
      body: xmlDocument("CopyObjectResult", {
        LastModified: isoDate(record.lastModified),
        ETag: quotedEtag(record.etag),
        ...(record.checksum ? { [`Checksum${record.checksum.algorithm}`]: record.checksum.value, ChecksumType: record.checksum.type ?? "FULL_OBJECT" } : {}),
      }),
    };
  };
