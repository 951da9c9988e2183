import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}?policy */
export const DeleteBucketPolicy =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    store.setConfig(req.bucket, "policy", undefined);
    return { status: 204 };
  };
