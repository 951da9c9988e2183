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
  | "ListMultipartUploads";

export type Resolved = { operation: ImplementedOperation } | { notImplemented: string };

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
  const subs = Object.keys(query).filter((q) => q in SUBRESOURCES);
  const sub = subs[0];
  const ni = (what: string): Resolved => ({ notImplemented: `S3 ${method} ${what}` });
  if (!bucket) {
    if (method === "GET" || method === "HEAD") return { operation: "ListBuckets" };
    return ni("on the service root");
  }
  if (key === undefined) {
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
        return ni(sub ? SUBRESOURCES[sub]! : "browser-based upload (POST Object)");
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
        return headers["x-amz-copy-source"] !== undefined ? ni("UploadPartCopy") : { operation: "UploadPart" };
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
