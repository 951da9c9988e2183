import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { publicAccessBlockXml } from "../configuration.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?publicAccessBlock (new buckets have all four settings on; NoSuchPublicAccessBlockConfiguration once deleted). */
export const GetPublicAccessBlock =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const config = store.bucket(req.bucket).config.publicAccessBlock;
    if (!config) throw S3Errors.noSuchPublicAccessBlockConfiguration(req.bucket);
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("PublicAccessBlockConfiguration", publicAccessBlockXml(config)),
    };
  };
