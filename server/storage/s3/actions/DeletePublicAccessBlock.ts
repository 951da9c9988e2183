import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}?publicAccessBlock (204 whether or not there was one). */
export const DeletePublicAccessBlock: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  store.setConfig(req.bucket, "publicAccessBlock", undefined);
  return { status: 204 };
};
