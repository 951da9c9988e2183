import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}?encryption: back to the default (SSE-S3). */
export const DeleteBucketEncryption =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    store.setConfig(req.bucket, "encryption", undefined);
    return { status: 204 };
  };
