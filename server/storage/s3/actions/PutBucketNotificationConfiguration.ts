import type { S3Request, S3Response, S3Services } from "../services.js";
import { parseNotificationConfiguration } from "../notifications.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?notification: replaces the whole configuration (an empty one removes it). */
export const PutBucketNotificationConfiguration =
  ({ store, ids }: Pick<S3Services, "store" | "ids">) =>
  (req: S3Request): S3Response => {
    store.bucket(req.bucket);
    const config = parseNotificationConfiguration(parseXml(req.body), { ids });
    store.setNotification(req.bucket, config);
    return {};
  };
