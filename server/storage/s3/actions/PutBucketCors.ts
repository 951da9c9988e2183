import type { S3ActionFactory } from "../services.js";
import { parseCors } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?cors: from then on the rules decide the bucket's CORS answers (see http.ts). */
export const PutBucketCors: S3ActionFactory = ({ store }) => (req) => {
  store.bucket(req.bucket);
  verifyPayload(req);
  store.setConfig(req.bucket, "cors", parseCors(parseXml(req.body)));
  return {};
};
