import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";

/** GET /{Bucket}?policy: the policy as it was put. */
export const GetBucketPolicy =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const policy = store.bucket(req.bucket).config.policy;
    if (policy === undefined) throw S3Errors.noSuchBucketPolicy(req.bucket);
    return { headers: { "content-type": "application/json" }, body: policy };
  };
