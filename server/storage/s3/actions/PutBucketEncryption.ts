import type { S3ActionFactory } from "../services.js";
import { parseEncryption } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?encryption: the bucket's default encryption (kept and answered back; objects are stored as they are). */
export const PutBucketEncryption: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  verifyPayload(req);
  store.setConfig(req.bucket, "encryption", parseEncryption(parseXml(req.body)));
  return {};
};
