import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}?publicAccessBlock (204 whether or not there was one). */
export const DeletePublicAccessBlock =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    store.setConfig(req.bucket, "publicAccessBlock", undefined);
    return { status: 204 };
  };
