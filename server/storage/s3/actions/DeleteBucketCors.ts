import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}?cors: the bucket goes back to rekognito's permissive CORS answers. */
export const DeleteBucketCors =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    store.setConfig(req.bucket, "cors", undefined);
    return { status: 204 };
  };
