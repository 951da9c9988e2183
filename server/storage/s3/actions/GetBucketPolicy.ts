import type { S3ActionFactory } from "../services.js";
import { S3Errors } from "../errors.js";

/** GET /{Bucket}?policy: the policy as it was put. */
export const GetBucketPolicy: S3ActionFactory = ({ store }) => (req) => {
  const policy = store.bucket(req.bucket).config.policy;
  if (policy === undefined) throw S3Errors.noSuchBucketPolicy(req.bucket);
  return { headers: { "content-type": "application/json" }, body: policy };
};
