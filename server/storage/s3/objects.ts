import type { ObjectRecord } from "./records.js";
import { storedContentEncoding } from "./chunked.js";

/** Shared by the object actions: how S3 writes an object's headers and dates. */

/** RFC 7231 date, as S3 writes Last-Modified. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** ISO 8601 with milliseconds, as S3 writes dates in XML. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

export function quotedEtag(etag: string): string {
  return `"${etag}"`;
}

/** The headers GetObject and HeadObject answer for a stored object (not Content-Length/Range). */
export function objectHeaders(o: ObjectRecord): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {
    "last-modified": httpDate(o.lastModified),
    etag: quotedEtag(o.etag),
    "content-type": o.contentType ?? "binary/octet-stream",
    "accept-ranges": "bytes",
    "cache-control": o.cacheControl,
    "content-disposition": o.contentDisposition,
    "content-encoding": o.contentEncoding,
    "content-language": o.contentLanguage,
    expires: o.expires,
    "x-amz-server-side-encryption": "AES256",
    "x-amz-storage-class": o.storageClass && o.storageClass !== "STANDARD" ? o.storageClass : undefined,
  };
  for (const [name, value] of Object.entries(o.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

export function checksumHeaders(o: ObjectRecord): Record<string, string> {
  if (!o.checksum) return {};
  return {
    [`x-amz-checksum-${o.checksum.algorithm.toLowerCase()}`]: o.checksum.value,
    "x-amz-checksum-type": o.checksum.type ?? "FULL_OBJECT",
  };
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** S3's general-purpose bucket naming rules. */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes("..") || name.includes(".-") || name.includes("-.")) return false;
  if (IPV4.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return false;
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return false;
  return true;
}

export const STORAGE_CLASSES = new Set([
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "OUTPOSTS",
  "GLACIER_IR",
  "SNOW",
  "EXPRESS_ONEZONE",
  "FSX_OPENZFS",
]);

/** The user metadata of a request: its x-amz-meta-* headers, without the prefix. */
export function userMetadata(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-")) out[name.slice("x-amz-meta-".length)] = value;
  }
  return out;
}

/** What a write request says about the object it writes: its content headers and user metadata. */
export function describedBy(headers: Record<string, string>) {
  return {
    contentType: headers["content-type"],
    contentEncoding: storedContentEncoding(headers["content-encoding"]),
    contentDisposition: headers["content-disposition"],
    contentLanguage: headers["content-language"],
    cacheControl: headers["cache-control"],
    expires: headers["expires"],
    metadata: userMetadata(headers),
  };
}
