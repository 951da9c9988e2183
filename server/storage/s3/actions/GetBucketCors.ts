import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { corsXml } from "../configuration.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?cors */
export const GetBucketCors =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const rules = store.bucket(req.bucket).config.cors;
    if (!rules) throw S3Errors.noSuchCorsConfiguration(req.bucket);
    return { headers: { "content-type": "application/xml" }, body: xmlDocument("CORSConfiguration", corsXml(rules)) };
  };
