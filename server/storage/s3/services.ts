import type { Readable } from "node:stream";
import type { Clock } from "../../core/clock.js";
import type { IdGenerator } from "../../core/ids.js";
import type { S3Store } from "./store.js";
import type { Notifier } from "./notifications.js";

/** Who sent a request and where; what actions see instead of HTTP. */
export interface S3Context {
  requestId: string;
  /** x-amz-id-2 */
  hostId: string;
  /** From the SigV4 scope (header or presigned query), else the stack's default region. */
  region: string;
  accessKeyId: string | null;
  sourceIp: string;
  /**
   * Whether the caller may do an IAM action (s3:DeleteObject...) on this bucket (no key) or one
   * of its objects, by the bucket policy (access.ts): for operations that check per key.
   */
  allowed(action: string, key?: string): boolean;
  /** The stack as the client reached it, e.g. http://127.0.0.1:4566 */
  baseUrl: string;
  /** core.clock.now() when the request arrived. */
  now: number;
}

/** A request as S3 actions read it: already routed (bucket, key) and de-framed (body). */
export interface S3Request {
  method: string;
  bucket: string;
  /** Undefined for bucket operations. */
  key: string | undefined;
  /** Query parameters, decoded. */
  query: Record<string, string>;
  /** Lower-cased header names, one value each. */
  headers: Record<string, string>;
  /** The payload, aws-chunked framing already removed. */
  body: Buffer;
  /** Trailing headers of an aws-chunked body (x-amz-checksum-*), lower-cased. */
  trailers: Record<string, string>;
  ctx: S3Context;
}

export interface S3Response {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  body?: string | Buffer | Readable;
}

/** What S3's actions are built from; each action takes the slice it needs. */
export interface S3Services {
  store: S3Store;
  notifier: Notifier;
  clock: Clock;
  ids: IdGenerator;
  /** The account that owns every bucket (its canonical id in listings). */
  accountId: string;
}

export type S3Action = (request: S3Request) => Promise<S3Response> | S3Response;

/** One AWS action as index.ts maps it: a factory over (a slice of) the services. */
export type S3ActionFactory = (services: S3Services) => S3Action;
