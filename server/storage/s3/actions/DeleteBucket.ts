import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}: only an empty bucket (BucketNotEmpty otherwise). */
export const DeleteBucket =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.deleteBucket(req.bucket);
    return { status: 204 };
  };
