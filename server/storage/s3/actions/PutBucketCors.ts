import type { S3Request, S3Response, S3Services } from "../services.js";
import { parseCors } from "../configuration.js";
import { verifyPayload } from "../payload.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?cors: from then on the rules decide the bucket's CORS answers (see http.ts). */
export const PutBucketCors =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    verifyPayload(req);
    store.setConfig(req.bucket, "cors", parseCors(parseXml(req.body)));
    return {};
  };
