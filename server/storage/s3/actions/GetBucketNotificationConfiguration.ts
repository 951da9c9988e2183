import type { S3ActionFactory } from "../services.js";
import { notificationConfigurationXml } from "../notifications.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?notification */
export const GetBucketNotificationConfiguration: S3ActionFactory = ({ store }) => (req) => {
  const bucket = store.bucket(req.bucket);
  return {
    headers: { "content-type": "application/xml" },
    body: xmlDocument("NotificationConfiguration", notificationConfigurationXml(bucket.notification)),
  };
};
