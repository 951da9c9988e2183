import type { NotificationConfiguration } from "@aws-sdk/client-s3";
import type { JournalRecord } from "../../core/persistence.js";
import type { BucketConfig, BucketConfigKind, ObjectRecord, PartRecord, UploadRecord } from "./records.js";

/** A change to S3's state as the `s3` journal keeps it (server/core/persistence.ts: one shape for every journal). */
export type S3Change = JournalRecord &
  (
    | { op: "create-bucket"; bucket: string; region: string; creationDate: number }
    | { op: "delete-bucket"; bucket: string }
    | { op: "put-object"; bucket: string; object: ObjectRecord }
    | { op: "delete-object"; bucket: string; key: string }
    | { op: "put-notification"; bucket: string; configuration: NotificationConfiguration }
    /** `value` absent: the configuration was deleted. */
    | { op: "put-config"; bucket: string; kind: BucketConfigKind; value?: BucketConfig[BucketConfigKind] }
    | { op: "create-upload"; upload: Omit<UploadRecord, "parts"> }
    | { op: "put-part"; uploadId: string; part: PartRecord }
    | { op: "end-upload"; uploadId: string }
  );

/** The records of data directories written before the one shape (`t`). */
type LegacyChange =
  | { t: "bucket"; name: string; region: string; creationDate: number }
  | { t: "deleteBucket"; name: string }
  | { t: "put"; bucket: string; object: ObjectRecord }
  | { t: "delete"; bucket: string; key: string }
  | { t: "notification"; bucket: string; config: NotificationConfiguration }
  | { t: "config"; bucket: string; kind: BucketConfigKind; value?: BucketConfig[BucketConfigKind] }
  | { t: "upload"; upload: Omit<UploadRecord, "parts"> }
  | { t: "part"; uploadId: string; part: PartRecord }
  | { t: "uploadEnd"; uploadId: string };

/** A record as read from the journal, in today's shape; undefined for one no version wrote. */
export function readS3Change(record: S3Change | LegacyChange): S3Change | undefined {
  if ("op" in record) return record;
  switch (record.t) {
    case "bucket":
      return { op: "create-bucket", bucket: record.name, region: record.region, creationDate: record.creationDate };
    case "deleteBucket":
      return { op: "delete-bucket", bucket: record.name };
    case "put":
      return { op: "put-object", bucket: record.bucket, object: record.object };
    case "delete":
      return { op: "delete-object", bucket: record.bucket, key: record.key };
    case "notification":
      return { op: "put-notification", bucket: record.bucket, configuration: record.config };
    case "config":
      return { op: "put-config", bucket: record.bucket, kind: record.kind, ...(record.value === undefined ? {} : { value: record.value }) };
    case "upload":
      return { op: "create-upload", upload: record.upload };
    case "part":
      return { op: "put-part", uploadId: record.uploadId, part: record.part };
    case "uploadEnd":
      return { op: "end-upload", uploadId: record.uploadId };
    default:
      return undefined;
  }
}
