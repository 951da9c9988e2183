import type { S3ActionFactory } from "../services.js";

/** DELETE /{Bucket}/{Key}?uploadId=U */
export const AbortMultipartUpload: S3ActionFactory = ({ store }) => (req) => {
  const upload = store.upload(req.bucket, req.key!, req.query["uploadId"] ?? "");
  store.abortUpload(upload.uploadId);
  return { status: 204 };
};
