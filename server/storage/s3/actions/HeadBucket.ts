import type { S3Request, S3Response, S3Services } from "../services.js";

/** HEAD /{Bucket}: 200 with the bucket's region, or 404 (no body, as for every HEAD). */
export const HeadBucket =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const bucket = store.bucket(req.bucket);
    return { headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
  };
