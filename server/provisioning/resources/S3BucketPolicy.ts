import type { ResourceHandler } from "./types.js";

/** AWS::S3::BucketPolicy: PUT /bucket?policy (enforced as on AWS: server/storage/README.md, "Access"). */
export const S3BucketPolicy: ResourceHandler = async (ctx, id, _resource, p) => {
  await ctx.optional(`${id} policy`, () => ctx.client.s3("PUT", p.Bucket, "policy", JSON.stringify(p.PolicyDocument)));
  return { physicalId: id };
};
