import type { S3Request, S3Response, S3Services } from "../services.js";
import { parsePublicAccessBlock } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?publicAccessBlock: kept and answered back; BlockPublicPolicy and RestrictPublicBuckets act on bucket policies (access.ts). */
export const PutPublicAccessBlock =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    verifyPayload(req);
    store.setConfig(req.bucket, "publicAccessBlock", parsePublicAccessBlock(parseXml(req.body)));
    return {};
  };
