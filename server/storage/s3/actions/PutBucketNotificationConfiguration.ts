import type { S3ActionFactory } from "../services.js";
import { parseNotificationConfiguration } from "../notifications.js";
import { parseXml } from "../xml.js";

/** PUT /{Bucket}?notification: replaces the whole configuration (an empty one removes it). */
export const PutBucketNotificationConfiguration: S3ActionFactory = ({ store, core }) => (req) => {
  store.bucket(req.bucket);
  const config = parseNotificationConfiguration(parseXml(req.body), core);
  store.setNotification(req.bucket, config);
  return {};
};
