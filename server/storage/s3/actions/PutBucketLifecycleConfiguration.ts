import type { S3Request, S3Response, S3Services } from "../services.js";
import { parseLifecycle } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/**
 * PUT /{Bucket}?lifecycle: replaces the rules. Expiration (Days, Date) and
 * AbortIncompleteMultipartUpload act, lazily: an object or upload past its due time is gone at
 * the first access after it (S3Store).
 */
export const PutBucketLifecycleConfiguration =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    verifyPayload(req);
    store.setConfig(req.bucket, "lifecycle", parseLifecycle(parseXml(req.body)));
    return { headers: { "x-amz-transition-default-minimum-object-size": req.headers["x-amz-transition-default-minimum-object-size"] ?? "all_storage_classes_128K" } };
  };
