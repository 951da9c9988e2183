import type { S3Request, S3Response, S3Services } from "../services.js";
import { DEFAULT_ENCRYPTION, encryptionXml } from "../configuration.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?encryption: the bucket's own, else SSE-S3 (AES256), every bucket's default since 2023. */
export const GetBucketEncryption =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const bucket = store.bucket(req.bucket);
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ServerSideEncryptionConfiguration", encryptionXml(bucket.config.encryption ?? DEFAULT_ENCRYPTION)),
    };
  };
