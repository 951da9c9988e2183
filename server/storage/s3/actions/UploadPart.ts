import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { checksumOf, md5Hex } from "../checksums.js";
import { quotedEtag } from "../objects.js";
import { verifyPayload } from "../payload.js";

/** PUT /{Bucket}/{Key}?partNumber=N&uploadId=U */
export const UploadPart =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const raw = req.query["partNumber"] ?? "";
    const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(partNumber >= 1 && partNumber <= 10000)) throw S3Errors.invalidPartNumber(raw);
    const upload = store.upload(req.bucket, req.key!, req.query["uploadId"] ?? "");
    const sent = verifyPayload(req);
    // An upload created with a checksum algorithm keeps that checksum for every part.
    const checksum =
      upload.checksumAlgorithm && sent?.algorithm !== upload.checksumAlgorithm
        ? { algorithm: upload.checksumAlgorithm, value: checksumOf(upload.checksumAlgorithm, req.body) }
        : sent;
    const part = store.putPart(upload.uploadId, { partNumber, size: req.body.length, etag: md5Hex(req.body), lastModified: req.ctx.now, checksum }, req.body);
    return {
      headers: {
        etag: quotedEtag(part.etag),
        "x-amz-server-side-encryption": "AES256",
        ...(part.checksum ? { [`x-amz-checksum-${part.checksum.algorithm.toLowerCase()}`]: part.checksum.value } : {}),
      },
    };
  };
