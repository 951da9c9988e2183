import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Readable } from "node:stream";
import type { CoreServices } from "../core/services.js";
import { decodeAwsChunked, isAwsChunked } from "../storage/s3/chunked.js";
import { S3Error, S3Errors } from "../storage/s3/errors.js";
import { resolveOperation, type Resolved } from "../storage/s3/operations.js";
import type { S3Response } from "../storage/s3/services.js";
import { escapeXml } from "../storage/s3/xml.js";
import { emulatedAwsHost } from "./aws-hosts.js";
import { callerFromHeaders } from "./sigv4.js";

/**
 * AWS's REST-XML protocol as S3 speaks it, one pipeline for the embedded engine
 * (server/storage/s3/index.ts) and the pass-through to an external endpoint
 * (server/storage/external/s3.ts):
 *
 *   readS3Request       where the bucket and key are (path style or virtual host), the query and
 *                       headers, which operation it is (s3/operations.ts), who signed it and for
 *                       which region;
 *   checkPresignedExpiry a presigned URL expires by the stack's clock;
 *   readS3Body          the payload, aws-chunked framing removed, its trailers kept;
 *   checkContentSha256  x-amz-content-sha256 is a mode SigV4 allows or the payload's own hash;
 *   serveS3             S3Errors become S3's XML error, anything else a logged InternalError;
 *   sendS3Response      the answer with S3's request ids.
 *
 * The request policy (policy.ts, cors.ts) has run before any of it. Nothing here knows of state.
 */

export interface Located {
  bucket: string | undefined;
  key: string | undefined;
  /** True when the bucket came from the Host header (bucket.localhost). */
  virtualHost: boolean;
}

/** The bucket a Host header names: `photos.localhost:4566`, `photos.s3.localhost`. */
export function bucketFromHost(hostHeader: string | undefined): string | undefined {
  const host = (hostHeader ?? "").toLowerCase().replace(/:\d+$/, "");
  // AWS's own virtual-hosted names (photos.s3.amazonaws.com), as a Lambda function's SDK sends
  // them when it ignores AWS_ENDPOINT_URL (server/protocol/aws-hosts.ts).
  if (host.endsWith(".amazonaws.com")) return emulatedAwsHost(host)?.bucket;
  if (!host.endsWith(".localhost")) return undefined;
  let prefix = host.slice(0, -".localhost".length);
  if (prefix.endsWith(".s3")) prefix = prefix.slice(0, -3);
  return prefix && prefix !== "s3" ? prefix : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw S3Errors.invalidUri();
  }
}

export function locate(request: FastifyRequest): Located {
  const rawPath = request.url.split("?", 1)[0]!;
  const hostBucket = bucketFromHost(request.headers.host);
  if (hostBucket) return { bucket: hostBucket, key: decode(rawPath.slice(1)) || undefined, virtualHost: true };
  const path = rawPath.slice(1);
  const slash = path.indexOf("/");
  if (slash < 0) return { bucket: decode(path) || undefined, key: undefined, virtualHost: false };
  return { bucket: decode(path.slice(0, slash)) || undefined, key: decode(path.slice(slash + 1)) || undefined, virtualHost: false };
}

export function queryOf(request: FastifyRequest): Record<string, string> {
  const at = request.url.indexOf("?");
  const out: Record<string, string> = {};
  if (at < 0) return out;
  for (const [k, v] of new URLSearchParams(request.url.slice(at + 1))) if (!(k in out)) out[k] = v;
  return out;
}

export function headersOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

/** The payload modes SigV4 allows in x-amz-content-sha256, besides a hex SHA-256. */
const CONTENT_SHA256_MODES: ReadonlySet<string> = new Set([
  "UNSIGNED-PAYLOAD",
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
]);

/** Whether a request with no X-Amz-Target is S3's: addressed to a bucket host, or signed for s3. */
export function isS3Request(request: FastifyRequest): boolean {
  if (bucketFromHost(request.headers.host)) return true;
  const caller = callerFromHeaders(request.headers, queryOf(request));
  return caller.service === "s3";
}

/** An S3 request as the pipeline reads it, before any engine looks at it. */
export interface S3WireRequest extends Located {
  /** Query parameters, decoded, the first of each name. */
  query: Record<string, string>;
  /** Lower-cased header names, one value each. */
  headers: Record<string, string>;
  /** The operation, or the one rekognito lacks (`notImplemented`). */
  resolved: Resolved;
  /** AWS's name of the operation, implemented or not (for the request log). */
  operation: string;
  /** The signature's access key, or null. */
  accessKeyId: string | null;
  /** From the SigV4 scope (header or presigned query), else the stack's default region. */
  region: string;
}

/** Where an S3 request goes and who sent it: the first step of both engines. Throws S3Errors (InvalidURI). */
export function readS3Request(request: FastifyRequest, defaultRegion: string): S3WireRequest {
  const located = locate(request);
  const query = queryOf(request);
  const headers = headersOf(request);
  const resolved = resolveOperation(request.method, located.bucket, located.key, query, headers);
  const caller = callerFromHeaders(request.headers, query);
  return {
    ...located,
    query,
    headers,
    resolved,
    operation: "operation" in resolved ? resolved.operation : resolved.name,
    accessKeyId: caller.accessKeyId,
    region: caller.region ?? defaultRegion,
  };
}

/**
 * The payload as S3 stores it: an aws-chunked upload (PUT and POST) de-framed, its trailing
 * headers (x-amz-checksum-*) kept, lower-cased.
 */
export function readS3Body(request: FastifyRequest, headers: Record<string, string>): { body: Buffer; trailers: Record<string, string>; chunked: boolean } {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (!isAwsChunked(headers) || (request.method !== "PUT" && request.method !== "POST")) return { body: raw, trailers: {}, chunked: false };
  const declared = headers["x-amz-decoded-content-length"];
  const decoded = decodeAwsChunked(raw, declared !== undefined ? Number(declared) : undefined);
  return { body: decoded.body, trailers: decoded.trailers, chunked: true };
}

/** x-amz-content-sha256 is one of SigV4's payload modes, or the hex SHA-256 of the payload it came with. */
export function checkContentSha256(headers: Record<string, string>, body: Buffer): void {
  const declared = headers["x-amz-content-sha256"];
  if (declared === undefined || CONTENT_SHA256_MODES.has(declared)) return;
  if (!/^[0-9a-f]{64}$/.test(declared)) {
    throw S3Errors.invalidArgument(`x-amz-content-sha256 must be ${[...CONTENT_SHA256_MODES].join(", ")} or a valid sha256 value.`, "x-amz-content-sha256", declared);
  }
  const computed = createHash("sha256").update(body).digest("hex");
  if (computed !== declared) throw S3Errors.contentSha256Mismatch(declared, computed);
}

/**
 * Runs one S3 request's handler with its request ids: an S3Error it throws is S3's XML error,
 * anything else an InternalError whose stack goes to the request log.
 */
export async function serveS3(
  request: FastifyRequest,
  reply: FastifyReply,
  ids: { requestId: string; hostId: string },
  handler: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  request.awsLog = { service: "s3", action: request.method };
  try {
    return await handler();
  } catch (error) {
    if (error instanceof S3Error) return sendS3Error(request, reply, error, ids);
    request.awsLog.fault = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return sendS3Error(request, reply, S3Errors.internal(), ids);
  }
}

export function newRequestIds(core: CoreServices): { requestId: string; hostId: string } {
  return {
    requestId: core.ids.bytes(8).toString("hex").toUpperCase(),
    hostId: core.ids.bytes(48).toString("base64"),
  };
}

/** X-Amz-Date 20260101T000000Z → ms */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * A presigned URL is refused once X-Amz-Expires seconds have passed since X-Amz-Date
 * (SigV4) or after Expires (SigV2), by the stack's clock. Signatures are not checked.
 */
export function checkPresignedExpiry(query: Record<string, string>, now: number): void {
  if (query["X-Amz-Algorithm"] !== undefined || query["X-Amz-Expires"] !== undefined) {
    const date = query["X-Amz-Date"];
    const expires = query["X-Amz-Expires"];
    const signedAt = date === undefined ? undefined : parseAmzDate(date);
    if (signedAt === undefined) {
      throw S3Errors.authorizationQueryParameters(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    }
    if (expires === undefined) {
      throw S3Errors.authorizationQueryParameters(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
      );
    }
    if (!/^\d+$/.test(expires)) throw S3Errors.authorizationQueryParameters("X-Amz-Expires should be a number");
    if (Number(expires) > 604800) {
      throw S3Errors.authorizationQueryParameters("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    const expiresAt = signedAt + Number(expires) * 1000;
    if (now > expiresAt) throw S3Errors.requestExpired(expires, isoSeconds(expiresAt), isoSeconds(now));
    return;
  }
  if (query["AWSAccessKeyId"] !== undefined && query["Expires"] !== undefined && /^\d+$/.test(query["Expires"])) {
    const expiresAt = Number(query["Expires"]) * 1000;
    if (now > expiresAt) {
      throw new S3Error("AccessDenied", "Request has expired", 403, { Expires: isoSeconds(expiresAt), ServerTime: isoSeconds(now) });
    }
  }
}

export function errorXml(error: S3Error, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message>${details}` +
    `<RequestId>${requestId}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}

/** CORS headers are not S3's to set: the request policy (server/protocol/cors.ts) adds them. */
export function sendS3Error(
  request: FastifyRequest,
  reply: FastifyReply,
  error: S3Error,
  ids: { requestId: string; hostId: string },
): FastifyReply {
  if (request.awsLog) request.awsLog.errorType = error.code;
  reply.code(error.status).headers({ "x-amz-request-id": ids.requestId, "x-amz-id-2": ids.hostId });
  if (request.method === "HEAD" || error.status === 304) return reply.send();
  return reply.header("content-type", "application/xml").send(errorXml(error, ids.requestId, ids.hostId));
}

export function sendS3Response(
  request: FastifyRequest,
  reply: FastifyReply,
  response: S3Response,
  ids: { requestId: string; hostId: string },
): FastifyReply {
  reply.code(response.status ?? 200);
  reply.header("x-amz-request-id", ids.requestId).header("x-amz-id-2", ids.hostId);
  for (const [k, v] of Object.entries(response.headers ?? {})) if (v !== undefined) reply.header(k, String(v));
  if (request.method === "HEAD") {
    (response.body as Readable | undefined)?.destroy?.();
    return reply.send();
  }
  return reply.send(response.body ?? undefined);
}

export const S3_METHODS = ["GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS", "PATCH"] as const;

/**
 * S3's routes: path style `/:bucket`, `/:bucket/*` and the service root `/` (ListBuckets, or a
 * virtual-host bucket). `POST /` stays the JSON gateway's; it hands S3 requests back.
 * Failures before the handler runs (a body over the stack's limit) answer as S3 does.
 */
export function registerS3Routes(
  fastify: FastifyInstance,
  core: CoreServices,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
): void {
  const errorHandler = (error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
    const ids = newRequestIds(core);
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const size = Number(request.headers["content-length"] ?? 0);
      return sendS3Error(request, reply, S3Errors.entityTooLarge(size, fastify.initialConfig.bodyLimit ?? 0), ids);
    }
    if (error.statusCode && error.statusCode < 500) return sendS3Error(request, reply, S3Errors.invalidRequest(error.message), ids);
    request.awsLog = { ...(request.awsLog ?? { service: "s3", action: request.method }), fault: error.stack ?? String(error) };
    return sendS3Error(request, reply, S3Errors.internal(), ids);
  };
  fastify.route({ method: [...S3_METHODS], url: "/:bucket", handler, errorHandler });
  fastify.route({ method: [...S3_METHODS], url: "/:bucket/*", handler, errorHandler });
  fastify.route({ method: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"], url: "/", handler, errorHandler });
}
