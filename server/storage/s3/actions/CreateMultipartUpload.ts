import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { checksumAlgorithmOf } from "../checksums.js";
import { describedBy } from "../objects.js";
import { xmlDocument } from "../xml.js";
import { checkObjectWriteHeaders } from "./PutObject.js";

/** POST /{Bucket}/{Key}?uploads */
export const CreateMultipartUpload =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    checkObjectWriteHeaders(req);
    const h = req.headers;
    const named = h["x-amz-checksum-algorithm"];
    const algorithm = named ? checksumAlgorithmOf(named) : undefined;
    if (named && !algorithm) {
      throw S3Errors.invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    const type = h["x-amz-checksum-type"]?.toUpperCase();
    if (type !== undefined && type !== "COMPOSITE" && type !== "FULL_OBJECT") {
      throw S3Errors.invalidRequest("Value for x-amz-checksum-type header is invalid.");
    }
    if (type === "FULL_OBJECT" && (algorithm === "SHA1" || algorithm === "SHA256")) {
      throw S3Errors.invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
    }
    const storageClass = h["x-amz-storage-class"];
    const upload = store.createUpload({
      bucket: req.bucket,
      key: req.key!,
      object: {
        key: req.key!,
        ...describedBy(h),
        storageClass: storageClass && storageClass !== "STANDARD" ? storageClass : undefined,
      },
      checksumAlgorithm: algorithm,
      checksumType: algorithm ? ((type as "COMPOSITE" | "FULL_OBJECT" | undefined) ?? (algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE")) : undefined,
    });
    return {
      headers: {
        "content-type": "application/xml",
        "x-amz-server-side-encryption": "AES256",
        "x-amz-checksum-algorithm": upload.checksumAlgorithm,
        "x-amz-checksum-type": upload.checksumType,
      },
      body: xmlDocument("InitiateMultipartUploadResult", { Bucket: req.bucket, Key: req.key, UploadId: upload.uploadId }),
    };
  };
