import type { S3Request, S3Response, S3Services } from "../services.js";
import { S3Errors } from "../errors.js";
import { isValidBucketName } from "../objects.js";
import { parseXml, first, text } from "../xml.js";
import { DEFAULT_PUBLIC_ACCESS_BLOCK } from "../configuration.js";

/**
 * PUT /{Bucket}. The bucket's region is the LocationConstraint, else us-east-1; a request
 * signed for another region must name that region (IllegalLocationConstraintException). Re-creating a bucket you own answers 200 in us-east-1 (AWS's legacy
 * behaviour) and BucketAlreadyOwnedByYou elsewhere.
 */
export const CreateBucket =
  ({ store }: Pick<S3Services, "store">) =>
  (req: S3Request): S3Response => {
    const name = req.bucket;
    if (!isValidBucketName(name)) throw S3Errors.invalidBucketName(name);
    let constraint: string | undefined;
    if (req.body.length) {
      const root = first(parseXml(req.body), "CreateBucketConfiguration");
      if (root === undefined) throw S3Errors.malformedXml();
      constraint = text(root, "LocationConstraint") || undefined;
      if (constraint === "us-east-1") throw S3Errors.invalidLocationConstraint(constraint);
      if (constraint !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$|^EU$/.test(constraint)) {
        throw S3Errors.invalidLocationConstraint(constraint);
      }
    }
    const acl = req.headers["x-amz-acl"];
    if (acl && acl !== "private" && acl !== "bucket-owner-full-control") throw S3Errors.aclNotSupported();
    const region = constraint === "EU" ? "eu-west-1" : (constraint ?? "us-east-1");
    // As AWS: a regional endpoint only creates buckets in its own region, and says so.
    if (req.ctx.region !== "us-east-1" && constraint !== req.ctx.region && !(constraint === "EU" && req.ctx.region === "eu-west-1")) {
      throw S3Errors.illegalLocationConstraint(constraint ?? "unspecified");
    }
    const existing = store.findBucket(name);
    if (existing) {
      if (existing.region === "us-east-1" && region === "us-east-1") return { headers: { location: `/${name}` } };
      throw S3Errors.bucketAlreadyOwnedByYou(name);
    }
    store.createBucket(name, region);
    // Since April 2023 every new bucket has all four Block Public Access settings on.
    store.setConfig(name, "publicAccessBlock", DEFAULT_PUBLIC_ACCESS_BLOCK);
    return { headers: { location: `/${name}` } };
  };
