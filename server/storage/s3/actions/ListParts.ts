import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { isoDate, quotedEtag } from "../objects.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}/{Key}?uploadId=U (max-parts, part-number-marker) */
export const ListParts =
  ({ store, accountId }: Pick<S3Services, "store" | "accountId">) =>
  (req: S3Request): S3Response => {
    const upload = store.upload(req.bucket, req.key!, req.query["uploadId"] ?? "");
    const rawMax = req.query["max-parts"];
    if (rawMax !== undefined && !/^\d+$/.test(rawMax)) throw S3Errors.invalidArgument("Provided max-parts not an integer or within integer range", "max-parts", rawMax);
    const maxParts = Math.min(rawMax === undefined ? 1000 : Number(rawMax), 1000);
    const marker = Number(req.query["part-number-marker"] ?? 0) || 0;
    const all = [...upload.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
    const page = all.slice(0, maxParts);
    const truncated = all.length > page.length;
    const owner = { ID: accountId, DisplayName: "rekognito" };
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ListPartsResult", {
        Bucket: req.bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumberMarker: marker,
        NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : undefined,
        MaxParts: maxParts,
        IsTruncated: truncated,
        Part: page.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: isoDate(p.lastModified),
          ETag: quotedEtag(p.etag),
          Size: p.size,
          ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
        })),
        Initiator: owner,
        Owner: owner,
        StorageClass: upload.object.storageClass ?? "STANDARD",
        ChecksumAlgorithm: upload.checksumAlgorithm,
        ChecksumType: upload.checksumType,
      }),
    };
  };
