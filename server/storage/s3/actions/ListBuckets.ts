import type { S3ActionFactory } from "../types.js";
import { isoDate } from "../objects.js";
import { xmlDocument } from "../xml.js";

/** GET / */
export const ListBuckets: S3ActionFactory = ({ store, core }) => (req) => {
  const prefix = req.query["prefix"];
  const buckets = store.listBuckets().filter((b) => !prefix || b.name.startsWith(prefix));
  const regionFilter = req.query["bucket-region"];
  return {
    headers: { "content-type": "application/xml" },
    body: xmlDocument("ListAllMyBucketsResult", {
      Owner: { ID: core.accountId, DisplayName: "rekognito" },
      Buckets: {
        Bucket: buckets
          .filter((b) => !regionFilter || b.region === regionFilter)
          .map((b) => ({ Name: b.name, CreationDate: isoDate(b.creationDate), BucketRegion: b.region })),
      },
      Prefix: prefix,
    }),
  };
};
