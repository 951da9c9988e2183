import type { S3ActionFactory } from "../services.js";
import { readObject } from "./GetObject.js";

/** HEAD /{Bucket}/{Key}: GetObject's headers, no body. */
export const HeadObject: S3ActionFactory = (services) => (req) => readObject(services, req, false);
