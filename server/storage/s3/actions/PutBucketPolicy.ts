import type { S3ActionFactory } from "../types.js";
import { checkPolicy } from "../configuration.js";
import { verifyPayload } from "../payload.js";

/** PUT /{Bucket}?policy: the JSON is checked and kept as sent; rekognito does not enforce it. */
export const PutBucketPolicy: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  verifyPayload(req);
  store.setConfig(req.bucket, "policy", checkPolicy(req.body));
  return { status: 204 };
};
