import type { FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices } from "../core/services.js";
import { AwsError } from "./errors.js";
import { sendAwsError } from "./json.js";
import { loadModel } from "./model.js";
import { bucketFromHost, newRequestIds, sendS3Error } from "./rest-xml.js";
import { S3Error, S3Errors } from "../storage/s3/errors.js";

/**
 * Requests the router refuses before any route runs: a path it cannot percent-decode
 * (FST_ERR_BAD_URL), a path segment longer than its maxParamLength (FST_ERR_MAX_PARAM_LENGTH).
 * Each is answered in the format of the service the path belongs to, as AWS's endpoints would:
 * JSON (`x-amzn-ErrorType` and a JSON body the SDKs read) under Lambda's REST routes
 * (`/2015-03-31/` and its other API versions), SES v2's (`/v2/email/`) and the gateway's own (`/_rekognito/`); S3's XML for
 * every other path, since S3's routes are the catch-all (`/:bucket`, `/:bucket/*`).
 */

/** Every API version Lambda's routes live under (/2015-03-31/, /2020-04-22/ ...), from its model. */
const LAMBDA_PREFIXES = [...new Set(Object.values(loadModel("lambda").operations).map((op) => `/${(op.http.requestUri ?? "/").split("/")[1]}/`))];

const JSON_PREFIXES: readonly { prefix: string; type: string }[] = [
  ...LAMBDA_PREFIXES.map((prefix) => ({ prefix, type: "ValidationException" })),
  { prefix: "/v2/email/", type: "BadRequestException" },
  { prefix: "/_rekognito/", type: "ValidationException" },
];

/** rekognito's wording: what AWS's front ends answer to these is not documented. */
function jsonError(type: string, code: string | undefined): AwsError {
  if (code === "FST_ERR_BAD_URL") return new AwsError(type, "The request URI is not valid: its path has a malformed percent-encoding.");
  if (code === "FST_ERR_MAX_PARAM_LENGTH") return new AwsError(type, "The request URI is not valid: a path segment is too long.");
  return new AwsError(type, "The request could not be routed.");
}

/**
 * S3's answer, as S3 gives it: InvalidURI for a path it cannot decode; a segment too long is the
 * bucket name in path style (InvalidBucketName: no bucket name is over 255 characters) or the
 * key under a virtual host (KeyTooLongError: keys are at most 1024 bytes).
 */
function s3Error(code: string | undefined, request: FastifyRequest): S3Error {
  if (code === "FST_ERR_BAD_URL") return S3Errors.invalidUri();
  const path = request.url.split("?", 1)[0]!;
  if (code === "FST_ERR_MAX_PARAM_LENGTH") {
    if (bucketFromHost(request.headers.host)) return S3Errors.keyTooLong(Buffer.byteLength(path.slice(1)));
    return S3Errors.invalidBucketName(path.slice(1).split("/", 1)[0]!);
  }
  return S3Errors.invalidRequest("The request could not be routed.");
}

export function sendRouterError(core: CoreServices, error: { code?: string }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const json = JSON_PREFIXES.find((p) => request.url.startsWith(p.prefix));
  if (json) return sendAwsError(reply, jsonError(json.type, error.code), core.ids.uuid());
  return sendS3Error(request, reply, s3Error(error.code, request), newRequestIds(core));
}
