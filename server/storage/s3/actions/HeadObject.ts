import type { S3Request, S3Response, S3Services } from "../services.js";
import { readObject } from "./GetObject.js";

/** HEAD /{Bucket}/{Key}: GetObject's headers, no body. */
export const HeadObject =
  (services: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response =>
    readObject(services, req, false);
