import type { S3Request, S3Response, S3Services } from "../services.js";

/** DELETE /{Bucket}/{Key}?uploadId=U */
export const AbortMultipartUpload =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const upload = store.upload(req.bucket, req.key!, req.query["uploadId"] ?? "");
    store.abortUpload(upload.uploadId);
    return { status: 204 };
  };
