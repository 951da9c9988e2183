import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}?lifecycle */
export const DeleteBucketLifecycle: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  store.setConfig(req.bucket, "lifecycle", undefined);
  return { status: 204 };
};
