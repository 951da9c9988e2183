import type { S3Request, S3Response, S3Services } from "../services.js";
import { parseEncryption } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?encryption: the bucket's default encryption (kept and answered back; objects are stored as they are). */
export const PutBucketEncryption =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    verifyPayload(req);
    store.setConfig(req.bucket, "encryption", parseEncryption(parseXml(req.body)));
    return {};
  };
