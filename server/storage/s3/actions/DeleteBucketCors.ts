import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}?cors: the bucket goes back to rekognito's permissive CORS answers. */
export const DeleteBucketCors: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  store.setConfig(req.bucket, "cors", undefined);
  return { status: 204 };
};
