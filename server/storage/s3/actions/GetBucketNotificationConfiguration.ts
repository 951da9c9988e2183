import type { S3Request, S3Response, S3Services } from "../services.js";
import { notificationConfigurationXml } from "../notifications.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?notification */
export const GetBucketNotificationConfiguration =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const bucket = store.bucket(req.bucket);
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("NotificationConfiguration", notificationConfigurationXml(bucket.notification)),
    };
  };
