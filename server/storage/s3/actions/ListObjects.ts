import type { S3Request, S3Response, S3Services } from "../services.js";
import { xmlDocument } from "../xml.js";
import { contentsXml, encodingOf, listPage, maxKeysOf } from "./ListObjectsV2.js";

/** GET /{Bucket} (version 1: marker / NextMarker). */
export const ListObjects =
  (services: Pick<S3Services, "store" | "accountId">) =>
  (req: S3Request): S3Response => {
    const q = req.query;
    const prefix = q["prefix"] ?? "";
    const delimiter = q["delimiter"] ?? "";
    const marker = q["marker"] ?? "";
    const maxKeys = maxKeysOf(req);
    const encode = encodingOf(req);
    const page = listPage(services, req.bucket, { prefix, delimiter, after: marker, afterIsPrefix: false, maxKeys });
    const owner = { ID: services.accountId, DisplayName: "rekognito" };
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ListBucketResult", {
        Name: req.bucket,
        Prefix: encode(prefix),
        Marker: encode(marker),
        NextMarker: page.isTruncated && delimiter && page.last ? encode(page.last.value) : undefined,
        MaxKeys: maxKeys,
        Delimiter: delimiter ? encode(delimiter) : undefined,
        EncodingType: q["encoding-type"],
        IsTruncated: page.isTruncated,
        Contents: page.contents.map((o) => contentsXml(o, encode, owner)),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
      }),
    };
  };
