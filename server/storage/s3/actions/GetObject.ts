import type { S3Request, S3Response, S3Services } from "../services.js";
import type { ObjectRecord } from "../records.js";
import { S3Errors } from "../errors.js";
import { checksumHeaders, objectHeaders } from "../objects.js";

/** response-* query parameters that override the stored headers (GetObject and HeadObject). */
const OVERRIDES: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

/** The object, after the version and conditional checks S3 makes (412 / 304). */
export function findObject({ store }: Pick<S3Services, "store">, req: S3Request): ObjectRecord {
  const key = req.key!;
  const versionId = req.query["versionId"];
  const object = store.getObject(req.bucket, key);
  if (versionId !== undefined && versionId !== "null") throw S3Errors.noSuchVersion(versionId);
  if (!object) throw S3Errors.noSuchKey(key);
  const h = req.headers;
  const etagList = (v: string) => v.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/"/g, ""));
  const since = (v: string | undefined) => (v === undefined ? NaN : Date.parse(v));
  const lastModifiedSeconds = Math.floor(object.lastModified / 1000) * 1000;
  if (h["if-match"] !== undefined && !etagList(h["if-match"]).some((e) => e === "*" || e === object.etag)) {
    throw S3Errors.preconditionFailed("If-Match");
  }
  if (h["if-match"] === undefined && lastModifiedSeconds > since(h["if-unmodified-since"])) {
    throw S3Errors.preconditionFailed("If-Unmodified-Since");
  }
  if (h["if-none-match"] !== undefined) {
    if (etagList(h["if-none-match"]).some((e) => e === "*" || e === object.etag)) throw S3Errors.notModified();
  } else if (lastModifiedSeconds <= since(h["if-modified-since"])) {
    throw S3Errors.notModified();
  }
  return object;
}

/** A single byte range "bytes=a-b" | "bytes=a-" | "bytes=-n", or undefined (whole object). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw S3Errors.invalidRange(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw S3Errors.invalidRange(header, size);
  return { start, end };
}

export function readObject(services: Pick<S3Services, "store">, req: S3Request, withBody: boolean): S3Response {
  const object = findObject(services, req);
  const headers: Record<string, string | number | undefined> = objectHeaders(object);
  for (const [param, header] of Object.entries(OVERRIDES)) {
    const value = req.query[param];
    if (value === undefined) continue;
    // An HTTP header carries ISO-8859-1 without control characters: a value that cannot be
    // sent is the caller's error (S3 refuses such metadata with this wording), never a fault.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw S3Errors.invalidArgument("Header value cannot be represented using ISO-8859-1.", param, value);
    headers[header] = value;
  }
  const range = parseRange(req.headers["range"], object.size);
  if (!range && req.headers["x-amz-checksum-mode"]?.toUpperCase() === "ENABLED") Object.assign(headers, checksumHeaders(object));
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${object.size}`;
    headers["content-length"] = range.end - range.start + 1;
  } else {
    headers["content-length"] = object.size;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  return {
    status: range ? 206 : 200,
    headers,
    body: withBody ? services.store.streamBody(object, start, end) : undefined,
  };
}

/** GET /{Bucket}/{Key} */
export const GetObject =
  (services: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response =>
    readObject(services, req, true);
