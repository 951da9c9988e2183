import type { S3Request, S3Response, S3Services } from "../services.js";
import { checkPolicy } from "../configuration.js";
import { checkPolicyAllowedByBlockPublicAccess } from "../access.js";
import { parseBucketPolicy } from "../policy.js";
import { verifyPayload } from "../payload.js";

/**
 * PUT /{Bucket}?policy: the JSON is checked as S3 checks it and kept as sent; from then on it
 * decides who may do what in the bucket (access.ts). A public policy on a bucket whose Block
 * Public Access has BlockPublicPolicy is AccessDenied.
 */
export const PutBucketPolicy =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const bucket = store.bucket(req.bucket);
    verifyPayload(req);
    const text = checkPolicy(req.body);
    checkPolicyAllowedByBlockPublicAccess(parseBucketPolicy(text, req.bucket), bucket.config.publicAccessBlock);
    store.setConfig(req.bucket, "policy", text);
    return { status: 204 };
  };
