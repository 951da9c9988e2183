import { objectEvent } from "../notifications.js";
import type { S3Request, S3Response, S3Services } from "../services.js";

/** Deletes one key and raises ObjectRemoved:Delete when something was deleted. */
export function deleteOne({ store, notifier, clock }: Pick<S3Services, "store" | "notifier" | "clock">, req: S3Request, key: string): void {
  const bucket = store.bucket(req.bucket);
  if (!store.deleteObject(req.bucket, key)) return;
  notifier.notify(bucket.notification, objectEvent(req, bucket, "ObjectRemoved:Delete", { key }, clock.now()));
}

/** DELETE /{Bucket}/{Key}: 204 whether or not the key existed (NoSuchBucket if the bucket does not). */
export const DeleteObject =
  (services: Pick<S3Services, "store" | "notifier" | "clock">) =>
  (req: S3Request): S3Response => {
    deleteOne(services, req, req.key!);
    return { status: 204 };
  };
