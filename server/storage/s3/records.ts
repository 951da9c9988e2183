import type {
  CORSRule,
  LifecycleRule,
  NotificationConfiguration,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionConfiguration,
} from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm } from "./checksums.js";

/**
 * What S3 keeps: buckets with their configurations, objects' descriptions (their bytes are in
 * bodies.ts), multipart uploads and their parts, and S3's order of keys. Plain records, as the
 * journal holds them.
 */

/** What S3 keeps of an object besides its bytes. */
export interface ObjectRecord {
  key: string;
  size: number;
  /** MD5 hex of the bytes, without quotes. */
  etag: string;
  lastModified: number;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  storageClass?: string;
  /** x-amz-meta-* without the prefix, names lower-cased as S3 keeps them. */
  metadata: Record<string, string>;
  /** The additional checksum the object was uploaded with, if any (type FULL_OBJECT unless said). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type?: "COMPOSITE" | "FULL_OBJECT" };
  /** Where the bytes are (a file name under objects/, or a key of the in-memory map). */
  body: string;
}

export interface BucketRecord {
  name: string;
  region: string;
  creationDate: number;
  notification: NotificationConfiguration;
  /** The bucket's configurations set by Put… (absent: never set, or deleted). */
  config: BucketConfig;
  objects: Map<string, ObjectRecord>;
  /** Keys in byte order, rebuilt lazily after a key is added or removed. */
  sortedKeys: string[] | null;
}

/** Bucket configurations kept as AWS's SDK types describe them (the policy as its JSON text). */
export interface BucketConfig {
  encryption?: ServerSideEncryptionConfiguration;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  cors?: CORSRule[];
  lifecycle?: LifecycleRule[];
  policy?: string;
}
export type BucketConfigKind = keyof BucketConfig;

/** A part of a multipart upload. */
export interface PartRecord {
  partNumber: number;
  size: number;
  /** MD5 hex, no quotes. */
  etag: string;
  lastModified: number;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  body: string;
}

/** A multipart upload in progress: the future object's description and its parts so far. */
export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  /** The object's description, as CreateMultipartUpload gave it. */
  object: Omit<ObjectRecord, "body" | "size" | "etag" | "lastModified" | "checksum">;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "COMPOSITE" | "FULL_OBJECT";
  parts: Map<number, PartRecord>;
}

export function newBucket(name: string, region: string, creationDate: number): BucketRecord {
  return { name, region, creationDate, notification: {}, config: {}, objects: new Map(), sortedKeys: null };
}

export function setConfig(config: BucketConfig, kind: BucketConfigKind, value: unknown): void {
  if (value === undefined) delete config[kind];
  else (config as Record<string, unknown>)[kind] = value;
}

/** S3 lists keys in UTF-8 binary order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
