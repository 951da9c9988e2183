import type { S3Request, S3Response, S3Services } from "../services.js";
import { escapeXml } from "../xml.js";

/** GET /{Bucket}?location: empty for us-east-1, as AWS answers. */
export const GetBucketLocation =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const bucket = store.bucket(req.bucket);
    const region = bucket.region === "us-east-1" ? "" : escapeXml(bucket.region);
    return {
      headers: { "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
    };
  };
