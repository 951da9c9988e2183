/**
 * Which S3 operation a request is, from its method, whether it names a bucket and a key,
 * its sub-resource query parameters and a few headers, as S3's REST API defines them.
 * Anything rekognito does not implement resolves to a NotImplemented description.
 */
export type ImplementedOperation =
  | "ListBuckets"
  | "CreateBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "GetBucketLocation"
  | "PutBucketNotificationConfiguration"
  | "GetBucketNotificationConfiguration"
  | "ListObjects"
  | "ListObjectsV2"
  | "DeleteObjects"
  | "PutObject"
  | "CopyObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "ListMultipartUploads"
  | "PutBucketEncryption"
  | "GetBucketEncryption"
  | "DeleteBucketEncryption"
  | "PutPublicAccessBlock"
  | "GetPublicAccessBlock"
  | "DeletePublicAccessBlock"
  | "PutBucketCors"
  | "GetBucketCors"
  | "DeleteBucketCors"
  | "PutBucketLifecycleConfiguration"
  | "GetBucketLifecycleConfiguration"
  | "DeleteBucketLifecycle"
  | "PutBucketPolicy"
  | "GetBucketPolicy"
  | "DeleteBucketPolicy";

/**
 * An implemented operation, or one rekognito lacks: `notImplemented` describes it for the
 * error message, `name` is AWS's operation name (for the request log: `s3 PutBucketTagging 501`).
 */
export type Resolved = { operation: ImplementedOperation } | { notImplemented: string; name: string };

/** Bucket configuration sub-resources: AWS's operation name per method (Get/Put/Delete…). */
const BUCKET_CONFIG: Record<string, Partial<Record<string, string>>> = {
  accelerate: { GET: "GetBucketAccelerateConfiguration", PUT: "PutBucketAccelerateConfiguration" },
  acl: { GET: "GetBucketAcl", PUT: "PutBucketAcl" },
  analytics: { GET: "GetBucketAnalyticsConfiguration", PUT: "PutBucketAnalyticsConfiguration", DELETE: "DeleteBucketAnalyticsConfiguration" },
  cors: { GET: "GetBucketCors", PUT: "PutBucketCors", DELETE: "DeleteBucketCors" },
  encryption: { GET: "GetBucketEncryption", PUT: "PutBucketEncryption", DELETE: "DeleteBucketEncryption" },
  "intelligent-tiering": {
    GET: "GetBucketIntelligentTieringConfiguration",
    PUT: "PutBucketIntelligentTieringConfiguration",
    DELETE: "DeleteBucketIntelligentTieringConfiguration",
  },
  inventory: { GET: "GetBucketInventoryConfiguration", PUT: "PutBucketInventoryConfiguration", DELETE: "DeleteBucketInventoryConfiguration" },
  lifecycle: { GET: "GetBucketLifecycleConfiguration", PUT: "PutBucketLifecycleConfiguration", DELETE: "DeleteBucketLifecycle" },
  logging: { GET: "GetBucketLogging", PUT: "PutBucketLogging" },
  metadataTable: { GET: "GetBucketMetadataTableConfiguration", POST: "CreateBucketMetadataTableConfiguration", DELETE: "DeleteBucketMetadataTableConfiguration" },
  metrics: { GET: "GetBucketMetricsConfiguration", PUT: "PutBucketMetricsConfiguration", DELETE: "DeleteBucketMetricsConfiguration" },
  notification: { GET: "GetBucketNotificationConfiguration", PUT: "PutBucketNotificationConfiguration" },
  "object-lock": { GET: "GetObjectLockConfiguration", PUT: "PutObjectLockConfiguration" },
  ownershipControls: { GET: "GetBucketOwnershipControls", PUT: "PutBucketOwnershipControls", DELETE: "DeleteBucketOwnershipControls" },
  policy: { GET: "GetBucketPolicy", PUT: "PutBucketPolicy", DELETE: "DeleteBucketPolicy" },
  policyStatus: { GET: "GetBucketPolicyStatus" },
  publicAccessBlock: { GET: "GetPublicAccessBlock", PUT: "PutPublicAccessBlock", DELETE: "DeletePublicAccessBlock" },
  replication: { GET: "GetBucketReplication", PUT: "PutBucketReplication", DELETE: "DeleteBucketReplication" },
  requestPayment: { GET: "GetBucketRequestPayment", PUT: "PutBucketRequestPayment" },
  session: { GET: "CreateSession" },
  tagging: { GET: "GetBucketTagging", PUT: "PutBucketTagging", DELETE: "DeleteBucketTagging" },
  versioning: { GET: "GetBucketVersioning", PUT: "PutBucketVersioning" },
  versions: { GET: "ListObjectVersions" },
  website: { GET: "GetBucketWebsite", PUT: "PutBucketWebsite", DELETE: "DeleteBucketWebsite" },
};

/** Object sub-resources: AWS's operation name per method. */
const OBJECT_SUBRESOURCE: Record<string, Partial<Record<string, string>>> = {
  acl: { GET: "GetObjectAcl", PUT: "PutObjectAcl" },
  attributes: { GET: "GetObjectAttributes" },
  "legal-hold": { GET: "GetObjectLegalHold", PUT: "PutObjectLegalHold" },
  restore: { POST: "RestoreObject" },
  retention: { GET: "GetObjectRetention", PUT: "PutObjectRetention" },
  select: { POST: "SelectObjectContent" },
  tagging: { GET: "GetObjectTagging", PUT: "PutObjectTagging", DELETE: "DeleteObjectTagging" },
  torrent: { GET: "GetObjectTorrent" },
};

/** The configurations with no `id` list them all (ListBucketMetricsConfigurations …). */
const LISTED_BY_ID: Record<string, string> = {
  analytics: "ListBucketAnalyticsConfigurations",
  "intelligent-tiering": "ListBucketIntelligentTieringConfigurations",
  inventory: "ListBucketInventoryConfigurations",
  metrics: "ListBucketMetricsConfigurations",
};

const IMPLEMENTED_CONFIG = new Set<string>([
  "PutBucketEncryption",
  "GetBucketEncryption",
  "DeleteBucketEncryption",
  "PutPublicAccessBlock",
  "GetPublicAccessBlock",
  "DeletePublicAccessBlock",
  "PutBucketCors",
  "GetBucketCors",
  "DeleteBucketCors",
  "PutBucketLifecycleConfiguration",
  "GetBucketLifecycleConfiguration",
  "DeleteBucketLifecycle",
  "PutBucketPolicy",
  "GetBucketPolicy",
  "DeleteBucketPolicy",
]);

/** AWS's name for an operation rekognito lacks, from its method and sub-resource. */
function operationName(method: string, sub: string | undefined, onObject: boolean, query: Record<string, string>): string | undefined {
  if (!sub) return undefined;
  if (onObject) return OBJECT_SUBRESOURCE[sub]?.[method];
  if (method === "GET" && sub in LISTED_BY_ID && query["id"] === undefined) return LISTED_BY_ID[sub];
  return BUCKET_CONFIG[sub]?.[method];
}

/** Sub-resources (query parameters) that select an operation rather than parameterise one. */
const SUBRESOURCES: Record<string, string> = {
  accelerate: "bucket accelerate configuration",
  acl: "ACLs",
  analytics: "analytics configuration",
  attributes: "GetObjectAttributes",
  cors: "bucket CORS configuration",
  delete: "DeleteObjects",
  encryption: "bucket encryption configuration",
  "intelligent-tiering": "intelligent-tiering configuration",
  inventory: "inventory configuration",
  "legal-hold": "object legal hold",
  lifecycle: "lifecycle configuration",
  location: "GetBucketLocation",
  logging: "bucket logging",
  metadataTable: "metadata table configuration",
  metrics: "metrics configuration",
  notification: "notification configuration",
  "object-lock": "object lock configuration",
  ownershipControls: "ownership controls",
  partNumber: "multipart upload parts",
  policy: "bucket policies",
  policyStatus: "bucket policy status",
  publicAccessBlock: "public access block configuration",
  replication: "replication configuration",
  requestPayment: "request payment configuration",
  restore: "RestoreObject",
  retention: "object retention",
  select: "SelectObjectContent",
  session: "CreateSession",
  tagging: "tagging",
  torrent: "GetObjectTorrent",
  uploadId: "multipart upload",
  uploads: "multipart upload",
  versioning: "bucket versioning",
  versions: "ListObjectVersions",
  website: "static website hosting",
};

export function resolveOperation(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: Record<string, string>,
  headers: Record<string, string>,
): Resolved {
  const subs = Object.keys(query).filter((q) => Object.hasOwn(SUBRESOURCES, q));
  const sub = subs[0];
  const ni = (what: string, name = operationName(method, sub, key !== undefined, query)): Resolved => ({
    notImplemented: name ?? `S3 ${method} ${what}`,
    name: name ?? "NotImplemented",
  });
  if (!bucket) {
    if (method === "GET" || method === "HEAD") return { operation: "ListBuckets" };
    return ni("on the service root");
  }
  if (key === undefined) {
    const config = sub ? BUCKET_CONFIG[sub]?.[method] : undefined;
    if (config && IMPLEMENTED_CONFIG.has(config)) return { operation: config as ImplementedOperation };
    switch (method) {
      case "GET":
        if (!sub) return { operation: query["list-type"] === "2" ? "ListObjectsV2" : "ListObjects" };
        if (sub === "location") return { operation: "GetBucketLocation" };
        if (sub === "notification") return { operation: "GetBucketNotificationConfiguration" };
        if (sub === "uploads") return { operation: "ListMultipartUploads" };
        return ni(SUBRESOURCES[sub]!);
      case "HEAD":
        return { operation: "HeadBucket" };
      case "PUT":
        if (!sub) return { operation: "CreateBucket" };
        if (sub === "notification") return { operation: "PutBucketNotificationConfiguration" };
        return ni(SUBRESOURCES[sub]!);
      case "DELETE":
        return sub ? ni(SUBRESOURCES[sub]!) : { operation: "DeleteBucket" };
      case "POST":
        if (sub === "delete") return { operation: "DeleteObjects" };
        return sub ? ni(SUBRESOURCES[sub]!) : ni("browser-based upload (POST Object)", "PostObject");
      default:
        return ni("on a bucket");
    }
  }
  const uploadId = "uploadId" in query;
  switch (method) {
    case "GET":
      if (uploadId && subs.every((s) => s === "uploadId")) return { operation: "ListParts" };
      return sub ? ni(SUBRESOURCES[sub]!) : { operation: "GetObject" };
    case "HEAD":
      return sub && sub !== "partNumber" ? ni(SUBRESOURCES[sub]!) : sub ? ni("multipart upload parts") : { operation: "HeadObject" };
    case "PUT":
      if (uploadId && "partNumber" in query && subs.length === 2) {
        return headers["x-amz-copy-source"] !== undefined ? ni("UploadPartCopy", "UploadPartCopy") : { operation: "UploadPart" };
      }
      if (sub) return ni(SUBRESOURCES[sub]!);
      return { operation: headers["x-amz-copy-source"] !== undefined ? "CopyObject" : "PutObject" };
    case "DELETE":
      if (uploadId && subs.length === 1) return { operation: "AbortMultipartUpload" };
      return sub ? ni(SUBRESOURCES[sub]!) : { operation: "DeleteObject" };
    case "POST":
      if (sub === "uploads" && subs.length === 1) return { operation: "CreateMultipartUpload" };
      if (uploadId && subs.length === 1) return { operation: "CompleteMultipartUpload" };
      return ni(sub ? SUBRESOURCES[sub]! : "on an object");
    default:
      return ni("on an object");
  }
}
