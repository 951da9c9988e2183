import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Readable } from "node:stream";
import type { CoreServices } from "../../core/services.js";
import { S3Error, S3Errors } from "./errors.js";
import { escapeXml } from "./xml.js";
import type { S3Response } from "./types.js";
import { emulatedAwsHost } from "../../protocol/aws-hosts.js";

/**
 * The S3 wire, shared by the embedded engine and the pass-through to an external endpoint:
 * where a request's bucket and key are (path style or virtual host), its query and headers,
 * presigned-URL expiry, and S3's XML errors. Nothing here knows about state.
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
