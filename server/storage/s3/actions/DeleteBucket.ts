import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}: only an empty bucket (BucketNotEmpty otherwise). */
export const DeleteBucket: S3ActionFactory = ({ store }) => (req) => {
  store.deleteBucket(req.bucket);
  return { status: 204 };
};
