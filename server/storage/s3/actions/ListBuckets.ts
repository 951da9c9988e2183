import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { isoDate } from "../objects.js";
import { xmlDocument } from "../xml.js";

/** GET / (prefix, bucket-region, max-buckets, continuation-token: the base64 of the last name). */
export const ListBuckets =
  ({ store, accountId }: Pick<S3Services, "store" | "accountId">) =>
  (req: S3Request): S3Response => {
    const q = req.query;
    const prefix = q["prefix"];
    const region = q["bucket-region"];
    const rawMax = q["max-buckets"];
    if (rawMax !== undefined && (!/^\d+$/.test(rawMax) || Number(rawMax) < 1 || Number(rawMax) > 10000)) {
      throw S3Errors.invalidArgument("Argument max-buckets must be an integer between 1 and 10000.", "max-buckets", rawMax);
    }
    const after = q["continuation-token"] !== undefined ? Buffer.from(q["continuation-token"], "base64url").toString("utf8") : "";
    const matching = store
      .listBuckets()
      .filter((b) => (!prefix || b.name.startsWith(prefix)) && (!region || b.region === region) && b.name > after);
    const page = rawMax === undefined ? matching : matching.slice(0, Number(rawMax));
    const last = page[page.length - 1];
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("ListAllMyBucketsResult", {
        Owner: { ID: accountId, DisplayName: "rekognito" },
        Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: isoDate(b.creationDate), BucketRegion: b.region })) },
        ContinuationToken: page.length < matching.length && last ? Buffer.from(last.name).toString("base64url") : undefined,
        Prefix: prefix,
      }),
    };
  };
