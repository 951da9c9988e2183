import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}?encryption: back to the default (SSE-S3). */
export const DeleteBucketEncryption: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  store.setConfig(req.bucket, "encryption", undefined);
  return { status: 204 };
};
