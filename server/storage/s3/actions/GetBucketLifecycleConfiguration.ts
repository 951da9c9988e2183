import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { lifecycleXml } from "../configuration.js";
import { xmlDocument } from "../xml.js";

/** GET /{Bucket}?lifecycle */
export const GetBucketLifecycleConfiguration =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const rules = store.bucket(req.bucket).config.lifecycle;
    if (!rules) throw S3Errors.noSuchLifecycleConfiguration(req.bucket);
    return {
      headers: { "content-type": "application/xml", "x-amz-transition-default-minimum-object-size": "all_storage_classes_128K" },
      body: xmlDocument("LifecycleConfiguration", lifecycleXml(rules)),
    };
  };
