import type { S3ActionFactory } from "../services.js";

/** HEAD /{Bucket}: 200 with the bucket's region, or 404 (no body, as for every HEAD). */
export const HeadBucket: S3ActionFactory = ({ store }) => (req) => {
  const bucket = store.bucket(req.bucket);
  return { headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
};
