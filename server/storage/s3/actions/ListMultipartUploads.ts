import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { compareKeys } from "../records.js";
import { isoDate } from "../objects.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?uploads (prefix, key-marker, upload-id-marker, max-uploads; no delimiter grouping) */
export const ListMultipartUploads =
  ({ store, accountId }: Pick<S3Services, "store" | "accountId">) =>
  (req: S3Request): S3Response => {
    const q = req.query;
    if (q["delimiter"]) throw S3Errors.notImplemented("ListMultipartUploads with a delimiter");
    const rawMax = q["max-uploads"];
    if (rawMax !== undefined && !/^\d+$/.test(rawMax)) throw S3Errors.invalidArgument("Provided max-uploads not an integer or within integer range", "max-uploads", rawMax);
    const maxUploads = Math.min(rawMax === undefined ? 1000 : Number(rawMax), 1000);
    const prefix = q["prefix"] ?? "";
    const keyMarker = q["key-marker"] ?? "";
    const idMarker = q["upload-id-marker"] ?? "";
    const uploads = store.listUploads(req.bucket).filter((u) => {
      if (!u.key.startsWith(prefix)) return false;
      if (!keyMarker) return true;
      const c = compareKeys(u.key, keyMarker);
      return c > 0 || (c === 0 && idMarker !== "" && u.uploadId > idMarker);
    });
    const page = uploads.slice(0, maxUploads);
    const truncated = uploads.length > page.length;
    const last = page[page.length - 1];
    const owner = { ID: accountId, DisplayName: "rekognito" };
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ListMultipartUploadsResult", {
        Bucket: req.bucket,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
        NextKeyMarker: truncated && last ? last.key : undefined,
        NextUploadIdMarker: truncated && last ? last.uploadId : undefined,
        Prefix: prefix,
        MaxUploads: maxUploads,
        IsTruncated: truncated,
        Upload: page.map((u) => ({
          Key: u.key,
          UploadId: u.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: u.object.storageClass ?? "STANDARD",
          Initiated: isoDate(u.initiated),
          ChecksumAlgorithm: u.checksumAlgorithm,
          ChecksumType: u.checksumType,
        })),
      }),
    };
  };
