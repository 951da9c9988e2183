import type { ResourceHandler } from "./types.js";

/**
 * AWS::S3::BucketPolicy: PUT /bucket?policy (enforced as on AWS: server/storage/README.md,
 * "Access"); not again for the same policy on a bucket found as it was.
 */
export const S3BucketPolicy: ResourceHandler = async (ctx, id, _resource, p) => {
  if (ctx.unchanged(id, p)) return { physicalId: id, kept: true };
  await ctx.optional(`${id} policy`, () => ctx.client.s3("PUT", p.Bucket, "policy", JSON.stringify(p.PolicyDocument)));
  return { physicalId: id };
};
