import { xmlDocument } from "../client.js";
import { generatedName, type ResourceHandler } from "./types.js";

/**
 * AWS::S3::Bucket: the bucket (HeadBucket, else CreateBucket), then its encryption, public
 * access block, lifecycle and CORS, each put as the template says (PUT /bucket?encryption...).
 * OwnershipControls are not modelled (rekognito has no ACLs). Found as an earlier start left it
 * (the same properties), nothing is put again.
 */
export const S3Bucket: ResourceHandler = async (ctx, id, resource, p) => {
  const { client } = ctx;
  const name: string = p.BucketName ?? generatedName(ctx.stackName, id, resource.Type);
  let exists = true;
  try {
    await client.s3("HEAD", name);
  } catch {
    exists = false;
  }
  const attributes = { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` };
  if (exists && ctx.unchanged(id, p)) return { physicalId: name, attributes, kept: true };
  if (!exists) await client.s3("PUT", name);
  if (p.BucketEncryption?.ServerSideEncryptionConfiguration) {
    const rules = (p.BucketEncryption.ServerSideEncryptionConfiguration as any[]).map((rule) => ({
      ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault
        ? { SSEAlgorithm: rule.ServerSideEncryptionByDefault.SSEAlgorithm, KMSMasterKeyID: rule.ServerSideEncryptionByDefault.KMSMasterKeyID }
        : undefined,
      BucketKeyEnabled: rule.BucketKeyEnabled,
    }));
    await ctx.optional(`${id} encryption`, () => client.s3("PUT", name, "encryption", xmlDocument("ServerSideEncryptionConfiguration", { Rule: rules })));
  }
  if (p.PublicAccessBlockConfiguration) {
    const c = p.PublicAccessBlockConfiguration;
    const block = { BlockPublicAcls: c.BlockPublicAcls, IgnorePublicAcls: c.IgnorePublicAcls, BlockPublicPolicy: c.BlockPublicPolicy, RestrictPublicBuckets: c.RestrictPublicBuckets };
    await ctx.optional(`${id} public access block`, () => client.s3("PUT", name, "publicAccessBlock", xmlDocument("PublicAccessBlockConfiguration", block)));
  }
  if (p.LifecycleConfiguration?.Rules) {
    const rules = (p.LifecycleConfiguration.Rules as any[]).map((rule) => ({
      ID: rule.Id,
      Filter: { Prefix: rule.Prefix ?? "" },
      Status: rule.Status,
      Expiration: rule.ExpirationInDays ? { Days: Number(rule.ExpirationInDays) } : undefined,
      AbortIncompleteMultipartUpload: rule.AbortIncompleteMultipartUpload ? { DaysAfterInitiation: Number(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation) } : undefined,
    }));
    await ctx.optional(`${id} lifecycle`, () => client.s3("PUT", name, "lifecycle", xmlDocument("LifecycleConfiguration", { Rule: rules })));
  }
  if (p.CorsConfiguration?.CorsRules) {
    const rules = (p.CorsConfiguration.CorsRules as any[]).map((rule) => ({
      ID: rule.Id,
      AllowedHeader: rule.AllowedHeaders,
      AllowedMethod: rule.AllowedMethods,
      AllowedOrigin: rule.AllowedOrigins,
      ExposeHeader: rule.ExposedHeaders,
      MaxAgeSeconds: rule.MaxAge === undefined ? undefined : Number(rule.MaxAge),
    }));
    await ctx.optional(`${id} CORS`, () => client.s3("PUT", name, "cors", xmlDocument("CORSConfiguration", { CORSRule: rules })));
  }
  return { physicalId: name, attributes };
};
