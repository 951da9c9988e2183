import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { verifyPayload } from "../payload.js";
import { all, first, parseXml, text, xmlDocument } from "../xml.js";
import { deleteOne } from "./DeleteObject.js";

/**
 * POST /{Bucket}?delete: up to 1000 keys; Quiet mode lists only the errors. Each key needs
 * s3:DeleteObject: one the caller may not delete is an AccessDenied error in the result, as S3
 * reports it, and the others are deleted.
 */
export const DeleteObjects =
  (services: Pick<S3Services, "store" | "notifier" | "clock">) =>
  (req: S3Request): S3Response => {
    services.store.bucket(req.bucket);
    if (req.headers["content-md5"] === undefined && !Object.keys({ ...req.headers, ...req.trailers }).some((h) => h.startsWith("x-amz-checksum-"))) {
      throw S3Errors.invalidRequest("Missing required header for this request: Content-MD5 OR x-amz-checksum-*");
    }
    verifyPayload(req);
    const root = first(parseXml(req.body), "Delete");
    if (root === undefined) throw S3Errors.malformedXml();
    const objects = all(root, "Object");
    if (!objects.length || objects.length > 1000) throw S3Errors.malformedXml();
    const quiet = text(root, "Quiet") === "true";
    const keys = objects.map((o) => text(o, "Key"));
    if (keys.some((key) => key === undefined)) throw S3Errors.malformedXml();
    const deleted: string[] = [];
    const denied: string[] = [];
    for (const key of keys as string[]) {
      if (!req.ctx.allowed("s3:DeleteObject", key)) {
        denied.push(key);
        continue;
      }
      deleteOne(services, req, key);
      deleted.push(key);
    }
    return {
      headers: { "content-type": "application/xml" },
      body: xmlDocument("DeleteResult", {
        Deleted: quiet ? [] : deleted.map((Key) => ({ Key })),
        Error: denied.map((Key) => ({ Key, Code: "AccessDenied", Message: "Access Denied" })),
      }),
    };
  };
