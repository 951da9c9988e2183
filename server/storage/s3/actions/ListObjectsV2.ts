import type { S3Request, S3Response, S3Services } from "../services.js";
import { compareKeys, type ObjectRecord } from "../records.js";
import { S3Errors } from "../errors.js";
import { isoDate, quotedEtag } from "../objects.js";
import { xmlDocument, type XmlObject } from "../xml.js";

export interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix of the page (where the next page starts after). */
  last: { value: string; isPrefix: boolean } | undefined;
}

/**
 * One page of a listing, in key order: keys after `after` (and, when `after` was a common
 * prefix, after everything under it), grouped by `delimiter`, at most maxKeys entries.
 */
export function listPage(
  { store }: Pick<S3Services, "store">,
  bucket: string,
  options: { prefix: string; delimiter: string; after: string; afterIsPrefix: boolean; maxKeys: number },
): ListPage {
  const bucketRecord = store.bucket(bucket);
  const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false, last: undefined };
  const { prefix, delimiter, after, afterIsPrefix, maxKeys } = options;
  let count = 0;
  for (const key of store.sortedKeys(bucket)) {
    if (after && (compareKeys(key, after) <= 0 || (afterIsPrefix && key.startsWith(after)))) continue;
    if (!key.startsWith(prefix)) continue;
    let commonPrefix: string | undefined;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = key.slice(0, at + delimiter.length);
    }
    if (commonPrefix !== undefined && page.commonPrefixes[page.commonPrefixes.length - 1] === commonPrefix) continue;
    if (count >= maxKeys) {
      page.isTruncated = true;
      break;
    }
    count++;
    if (commonPrefix !== undefined) {
      page.commonPrefixes.push(commonPrefix);
      page.last = { value: commonPrefix, isPrefix: true };
    } else {
      page.contents.push(bucketRecord.objects.get(key)!);
      page.last = { value: key, isPrefix: false };
    }
  }
  return page;
}

export function maxKeysOf(req: S3Request): number {
  const raw = req.query["max-keys"];
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) {
    throw S3Errors.invalidArgument("Provided max-keys not an integer or within integer range", "max-keys", raw);
  }
  return Math.min(Number(raw), 1000);
}

export function encodingOf(req: S3Request): (s: string) => string {
  const encoding = req.query["encoding-type"];
  if (encoding === undefined) return (s) => s;
  if (encoding !== "url") throw S3Errors.invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding);
  return (s) => encodeURIComponent(s).replace(/%2F/g, "/");
}

export function contentsXml(o: ObjectRecord, encode: (s: string) => string, owner: XmlObject | undefined): XmlObject {
  return {
    Key: encode(o.key),
    LastModified: isoDate(o.lastModified),
    ETag: quotedEtag(o.etag),
    ChecksumAlgorithm: o.checksum?.algorithm,
    ChecksumType: o.checksum ? (o.checksum.type ?? "FULL_OBJECT") : undefined,
    Size: o.size,
    Owner: owner,
    StorageClass: o.storageClass ?? "STANDARD",
  };
}

/** The continuation token: opaque to clients, here the base64 of where the page ended. */
function tokenOf(last: ListPage["last"]): string | undefined {
  return last ? Buffer.from(JSON.stringify([last.value, last.isPrefix])).toString("base64") : undefined;
}

function readToken(token: string): { value: string; isPrefix: boolean } {
  try {
    const [value, isPrefix] = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as [unknown, unknown];
    if (typeof value === "string" && typeof isPrefix === "boolean") return { value, isPrefix };
  } catch {
    // fall through
  }
  throw S3Errors.invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
}

/** GET /{Bucket}?list-type=2 */
export const ListObjectsV2 =
  (services: Pick<S3Services, "store" | "accountId">) =>
  (req: S3Request): S3Response => {
    const q = req.query;
    const prefix = q["prefix"] ?? "";
    const delimiter = q["delimiter"] ?? "";
    const maxKeys = maxKeysOf(req);
    const encode = encodingOf(req);
    const token = q["continuation-token"] !== undefined ? readToken(q["continuation-token"]) : undefined;
    const startAfter = q["start-after"] ?? "";
    const after = token && compareKeys(token.value, startAfter) > 0 ? token : { value: startAfter, isPrefix: false };
    const page = listPage(services, req.bucket, { prefix, delimiter, after: after.value, afterIsPrefix: after.isPrefix, maxKeys });
    const owner = q["fetch-owner"] === "true" ? { ID: services.accountId, DisplayName: "rekognito" } : undefined;
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ListBucketResult", {
        Name: req.bucket,
        Prefix: encode(prefix),
        Delimiter: delimiter ? encode(delimiter) : undefined,
        MaxKeys: maxKeys,
        EncodingType: q["encoding-type"],
        KeyCount: page.contents.length + page.commonPrefixes.length,
        IsTruncated: page.isTruncated,
        ContinuationToken: q["continuation-token"],
        NextContinuationToken: page.isTruncated ? tokenOf(page.last) : undefined,
        StartAfter: q["start-after"] !== undefined ? encode(startAfter) : undefined,
        Contents: page.contents.map((o) => contentsXml(o, encode, owner)),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
      }),
    };
  };
