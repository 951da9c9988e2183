import type { CORSRule } from "@aws-sdk/client-s3";
import { corsRuleHeaders, matchCorsRule } from "../storage/s3/configuration.js";
import { S3Errors, type S3Error } from "../storage/s3/errors.js";

/**
 * CORS, decided once for the whole stack by the request policy (policy.ts), after it has
 * established that the request's Origin is allowed (a disallowed origin never gets here, nor any
 * CORS header). An allowed origin gets its own origin echoed, never `*`, with Vary: Origin, so a
 * browser app on localhost:5173 or an --allow-origin reads every answer. An S3 bucket with a CORS
 * configuration decides by its own rules, as S3 does (the first rule allowing the origin, method
 * and headers; none: no CORS headers, and a preflight is refused with 403 AccessForbidden).
 */

/** Response headers a browser client may read: the ones the SDKs and S3 clients read. */
export const EXPOSED_HEADERS = [
  "x-amzn-requestid",
  "x-amzn-errortype",
  "x-amzn-errormessage",
  "x-amz-request-id",
  "x-amz-id-2",
  "x-amz-function-error",
  "x-amz-log-result",
  "x-amz-executed-version",
  "x-amz-version-id",
  "x-amz-checksum-crc32",
  "x-amz-checksum-crc32c",
  "x-amz-checksum-crc64nvme",
  "x-amz-checksum-sha1",
  "x-amz-checksum-sha256",
  "x-amz-server-side-encryption",
  "etag",
  "date",
  "content-length",
  "content-range",
  "last-modified",
].join(", ");

const ALLOWED_METHODS = "GET, PUT, POST, DELETE, HEAD, PATCH";

/** The CORS rules of the bucket an S3 request addresses, when it has some. */
export interface BucketCors {
  rules: CORSRule[];
  /** The request names a key (S3's error says OBJECT), or only the bucket (BUCKET). */
  onObject: boolean;
}

/** A preflight's answer: the status and headers to send, or S3's error for a bucket's refusal. */
export type PreflightAnswer = { status: number; headers: Record<string, string> } | { refused: S3Error };

/** The Access-Control-Request-Headers of a preflight, lower-cased. */
function requestedHeaders(value: string | string[] | undefined): string[] {
  return String(value ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The answer to a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin.
 * `bucket`: the addressed bucket's CORS rules, which then decide as S3 decides; otherwise the
 * stack's answer, which allows every method and the requested headers for this origin.
 * `status`: what the service answers an accepted preflight with (S3 200, the others 204).
 */
export function preflight(
  origin: string | undefined,
  headers: Record<string, string | string[] | undefined>,
  bucket: BucketCors | undefined,
  status: number,
): PreflightAnswer {
  const method = headers["access-control-request-method"];
  const requested = requestedHeaders(headers["access-control-request-headers"]);
  if (bucket) {
    // S3's order: the Origin, then the method, then a rule allowing all of it.
    if (!origin) return { refused: S3Errors.corsOriginMissing() };
    if (typeof method !== "string" || !method) return { refused: S3Errors.corsMethodMissing() };
    const rule = matchCorsRule(bucket.rules, origin, method, requested);
    if (!rule) return { refused: S3Errors.corsForbidden(method, bucket.onObject ? "OBJECT" : "BUCKET") };
    return { status: 200, headers: corsRuleHeaders(rule, origin, { requestHeaders: requested }) };
  }
  if (!origin) return { refused: S3Errors.corsOriginMissing() };
  if (typeof method !== "string" || !method) return { refused: S3Errors.corsMethodMissing() };
  return {
    status,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      ...(requested.length ? { "access-control-allow-headers": requested.join(", ") } : {}),
      "access-control-expose-headers": EXPOSED_HEADERS,
      "access-control-max-age": "3000",
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    },
  };
}

/**
 * The CORS headers of an actual (non-preflight) answer to an allowed origin: the stack's, or the
 * matching rule's of a bucket with CORS rules (none when no rule allows this origin and method,
 * as S3 answers).
 */
export function responseCors(origin: string, method: string, bucket: BucketCors | undefined): Record<string, string> {
  if (bucket) {
    const rule = matchCorsRule(bucket.rules, origin, method, []);
    return rule ? corsRuleHeaders(rule, origin) : {};
  }
  return { "access-control-allow-origin": origin, "access-control-expose-headers": EXPOSED_HEADERS, vary: "Origin" };
}
