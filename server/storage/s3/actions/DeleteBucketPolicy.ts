import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}?policy */
export const DeleteBucketPolicy: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  store.setConfig(req.bucket, "policy", undefined);
  return { status: 204 };
};
