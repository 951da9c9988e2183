import type { FastifyRequest } from "fastify";
import type { Caller } from "../../protocol/sigv4.js";
import type { PublicAccessBlockConfiguration } from "@aws-sdk/client-s3";
import { S3Errors } from "./errors.js";
import { emulatedAwsHost } from "../../protocol/aws-hosts.js";
import type { ImplementedOperation } from "./operations.js";
import { evaluate, isPublicPolicy, type BucketPolicy, type PolicyPrincipal } from "./policy.js";

/**
 * Who may do what in S3, decided once per request for both engines (rekognito's own and the
 * pass-through to an external endpoint), as AWS decides it for one account:
 *
 * - a signed request (any key: this emulator has one account) is that account's own principal:
 *   allowed unless a bucket policy statement denies it (IAM identity policies are not
 *   evaluated, so they allow everything);
 * - an anonymous request (no signature at all) is allowed only when the bucket policy grants
 *   it, and not even then when the bucket's Block Public Access has RestrictPublicBuckets and
 *   the policy is public;
 * - an explicit Deny wins over any Allow, except that the account can always read, replace and
 *   delete the bucket policy (AWS keeps the bucket owner's root user from locking itself out).
 *
 * The request's facts (its IAM action, resource and condition keys) come from here; the
 * policy evaluation itself is policy.ts.
 */

/**
 * The caller as S3 authorization sees it: anonymous, or the account's own principal, which a
 * signed request is (with how it was signed, S3's s3:authType and s3:signatureversion), and so
 * is an unsigned one under --accept-any-credentials (then it has neither key).
 */
export type S3Caller =
  | { kind: "anonymous" }
  | { kind: "signed"; accessKeyId: string; authType?: "REST-HEADER" | "REST-QUERY-STRING"; signatureVersion?: string };

/**
 * Who is asking, from what the request policy established (`request.caller`, server/protocol/
 * policy.ts, before any S3 handler runs: a request whose signature is wrong never gets here). An
 * unsigned request is anonymous, unless the user asked for today's laxness
 * (--accept-any-credentials: `trusted`), which serves it as the account's. A request the policy
 * did not mark is anonymous: the safe reading.
 */
export function callerOf(request: { caller?: Caller | null }): S3Caller {
  const caller = request.caller;
  if (!caller) return { kind: "anonymous" };
  if (caller.kind === "anonymous") return caller.trusted ? { kind: "signed", accessKeyId: "" } : { kind: "anonymous" };
  return { kind: "signed", accessKeyId: caller.accessKeyId, authType: caller.via === "query" ? "REST-QUERY-STRING" : "REST-HEADER", signatureVersion: caller.signatureVersion };
}

/**
 * The IAM action each implemented operation needs ("Required permissions for Amazon S3 API
 * operations"); `object` actions are on arn:aws:s3:::bucket/key, the others on the bucket.
 * ListBuckets and CreateBucket name no existing bucket, so no bucket policy can grant them.
 */
export const OPERATION_ACTIONS: Record<ImplementedOperation, { action: string; object?: true }> = {
  ListBuckets: { action: "s3:ListAllMyBuckets" },
  CreateBucket: { action: "s3:CreateBucket" },
  HeadBucket: { action: "s3:ListBucket" },
  DeleteBucket: { action: "s3:DeleteBucket" },
  GetBucketLocation: { action: "s3:GetBucketLocation" },
  PutBucketNotificationConfiguration: { action: "s3:PutBucketNotification" },
  GetBucketNotificationConfiguration: { action: "s3:GetBucketNotification" },
  ListObjects: { action: "s3:ListBucket" },
  ListObjectsV2: { action: "s3:ListBucket" },
  // Each key of the request is checked for s3:DeleteObject (a per-key AccessDenied in the result).
  DeleteObjects: { action: "s3:DeleteObject" },
  PutObject: { action: "s3:PutObject", object: true },
  // CopyObject also needs s3:GetObject on its source, checked beside it.
  CopyObject: { action: "s3:PutObject", object: true },
  GetObject: { action: "s3:GetObject", object: true },
  HeadObject: { action: "s3:GetObject", object: true },
  DeleteObject: { action: "s3:DeleteObject", object: true },
  CreateMultipartUpload: { action: "s3:PutObject", object: true },
  UploadPart: { action: "s3:PutObject", object: true },
  CompleteMultipartUpload: { action: "s3:PutObject", object: true },
  AbortMultipartUpload: { action: "s3:AbortMultipartUpload", object: true },
  ListParts: { action: "s3:ListMultipartUploadParts", object: true },
  ListMultipartUploads: { action: "s3:ListBucketMultipartUploads" },
  PutBucketEncryption: { action: "s3:PutEncryptionConfiguration" },
  GetBucketEncryption: { action: "s3:GetEncryptionConfiguration" },
  DeleteBucketEncryption: { action: "s3:PutEncryptionConfiguration" },
  PutPublicAccessBlock: { action: "s3:PutBucketPublicAccessBlock" },
  GetPublicAccessBlock: { action: "s3:GetBucketPublicAccessBlock" },
  DeletePublicAccessBlock: { action: "s3:PutBucketPublicAccessBlock" },
  PutBucketCors: { action: "s3:PutBucketCORS" },
  GetBucketCors: { action: "s3:GetBucketCORS" },
  DeleteBucketCors: { action: "s3:PutBucketCORS" },
  PutBucketLifecycleConfiguration: { action: "s3:PutLifecycleConfiguration" },
  GetBucketLifecycleConfiguration: { action: "s3:GetLifecycleConfiguration" },
  DeleteBucketLifecycle: { action: "s3:PutLifecycleConfiguration" },
  PutBucketPolicy: { action: "s3:PutBucketPolicy" },
  GetBucketPolicy: { action: "s3:GetBucketPolicy" },
  DeleteBucketPolicy: { action: "s3:DeleteBucketPolicy" },
};

/** What AWS lets the bucket owner's account do whatever its bucket policy denies. */
const LOCKOUT_EXEMPT: ReadonlySet<string> = new Set(["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]);

export const resourceArn = (bucket: string, key?: string): string => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);

/** A Host header naming this machine: localhost, *.localhost, 127.0.0.0/8, [::1]. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const lower = host.toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(lower);
  const name = bracketed ? bracketed[1]! : lower.replace(/:\d+$/, "");
  return name === "localhost" || name.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(name) || name === "::1";
}

/**
 * aws:SecureTransport, locally. rekognito serves plain http, so read literally the
 * deny-insecure-transport statement that templates put on every bucket would refuse all
 * traffic, the app's own presigned uploads included. What that statement guards against is
 * requests crossing a network in clear; so here the transport is secure when the request came
 * over TLS (a proxy in front is not trusted for this) or was addressed to this machine by a
 * loopback name (Host `localhost`, `*.localhost`, `127.x.x.x`, `[::1]`: the bytes never left
 * it, the transport the user chose). A request addressed by any other name (a LAN address, a
 * container's service name with `--host 0.0.0.0`) is plain http over a network: false, and the
 * statement denies it as AWS would.
 */
export function secureTransport(request: Pick<FastifyRequest, "protocol" | "headers"> & { ip?: string }): boolean {
  if (request.protocol === "https") return true;
  if (isLoopbackHost(request.headers.host)) return true;
  // AWS's own name, from this machine: a Lambda function's https call to S3 that its
  // environment sent here (server/protocol/aws-hosts.ts); it never crossed a network.
  const host = (request.headers.host ?? "").replace(/:\d+$/, "");
  return emulatedAwsHost(host) !== undefined && request.ip !== undefined && isLoopbackAddress(request.ip);
}

function isLoopbackAddress(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

/** Who the policy sees: the account's principal for any signed caller. */
export function principalOf(caller: S3Caller, accountId: string): PolicyPrincipal {
  return caller.kind === "anonymous" ? { kind: "anonymous" } : { kind: "account", accountId, arn: `arn:aws:iam::${accountId}:root` };
}

/** Request headers that are S3 condition keys of the same name (`s3:x-amz-acl`...). */
const HEADER_KEYS = [
  "x-amz-acl",
  "x-amz-server-side-encryption",
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-storage-class",
  "x-amz-copy-source",
  "x-amz-metadata-directive",
  "x-amz-content-sha256",
  "x-amz-grant-full-control",
  "x-amz-grant-read",
  "x-amz-grant-write",
  "x-amz-object-lock-mode",
  "x-amz-website-redirect-location",
];

export interface RequestFacts {
  caller: S3Caller;
  /**
   * The operation: one rekognito implements, or AWS's name of another one the external endpoint
   * serves (its IAM action taken to be `s3:<name>`, which holds for most: PutBucketTagging...).
   */
  operation: ImplementedOperation | string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  sourceIp: string;
  secureTransport: boolean;
  region: string;
  accountId: string;
  now: number;
}

/**
 * The condition keys a request has, names lower-cased. Keys a request does not have are
 * absent, so conditions on them evaluate as IAM says for a missing key (a positive operator is
 * false, a negated one true, ...IfExists true): aws:SourceVpc, aws:username, s3:TlsVersion
 * (plain http), aws:PrincipalAccount for an anonymous caller.
 */
export function conditionContext(facts: RequestFacts): Record<string, string | undefined> {
  const { caller, headers, query } = facts;
  const ip = facts.sourceIp.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  const context: Record<string, string | undefined> = {
    "aws:securetransport": String(facts.secureTransport),
    "aws:sourceip": ip,
    "aws:useragent": headers["user-agent"],
    "aws:referer": headers["referer"],
    "aws:currenttime": new Date(facts.now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:epochtime": String(Math.floor(facts.now / 1000)),
    "aws:requestedregion": facts.region,
    "aws:resourceaccount": facts.accountId,
    "s3:resourceaccount": facts.accountId,
    "aws:principaltype": caller.kind === "anonymous" ? "Anonymous" : "Account",
    "aws:userid": caller.kind === "anonymous" ? "anonymous" : facts.accountId,
  };
  if (caller.kind === "signed") {
    context["aws:principalaccount"] = facts.accountId;
    context["aws:principalarn"] = `arn:aws:iam::${facts.accountId}:root`;
    if (caller.authType) context["s3:authtype"] = caller.authType;
    if (caller.signatureVersion) context["s3:signatureversion"] = caller.signatureVersion;
  }
  for (const name of HEADER_KEYS) if (headers[name] !== undefined) context[`s3:${name}`] = headers[name];
  if (facts.operation === "ListObjects" || facts.operation === "ListObjectsV2") {
    if (query["prefix"] !== undefined) context["s3:prefix"] = query["prefix"];
    if (query["delimiter"] !== undefined) context["s3:delimiter"] = query["delimiter"];
    if (query["max-keys"] !== undefined) context["s3:max-keys"] = query["max-keys"];
  }
  return context;
}

/** What authorization knows of a bucket: its policy and its Block Public Access settings. */
export interface BucketAccess {
  policy: BucketPolicy | undefined;
  publicAccessBlock: PublicAccessBlockConfiguration | undefined;
}

/** The decision for one action on one resource. */
export function isAllowed(
  bucket: BucketAccess,
  principal: PolicyPrincipal,
  action: string,
  resource: string,
  context: Record<string, string | undefined>,
): boolean {
  const decision = evaluate(bucket.policy, { principal, action, resource, context });
  if (decision === "explicitDeny") return principal.kind === "account" && LOCKOUT_EXEMPT.has(action);
  if (principal.kind === "account") return true;
  if (decision !== "allow") return false;
  // "RestrictPublicBuckets ... restricts access to an access point or S3 bucket that has a public
  // policy to only AWS service principals and authorized users within the S3 bucket owner's account."
  if (bucket.publicAccessBlock?.RestrictPublicBuckets && isPublicPolicy(bucket.policy)) return false;
  return true;
}

/** The source of a CopyObject (x-amz-copy-source: bucket/key, URL-encoded), or undefined when unreadable. */
export function copySource(header: string | undefined): { bucket: string; key: string } | undefined {
  if (header === undefined) return undefined;
  try {
    const source = decodeURIComponent(header.split("?", 1)[0]!.replace(/^\//, ""));
    const slash = source.indexOf("/");
    if (slash <= 0 || slash === source.length - 1) return undefined;
    return { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
  } catch {
    return undefined;
  }
}

/**
 * PutBucketPolicy under BlockPublicPolicy: "Setting this element to TRUE causes Amazon S3 to
 * reject calls to PUT Bucket policy if the specified bucket policy allows public access."
 * (403 AccessDenied).
 */
export function checkPolicyAllowedByBlockPublicAccess(policy: BucketPolicy, block: PublicAccessBlockConfiguration | undefined): void {
  if (block?.BlockPublicPolicy && isPublicPolicy(policy)) throw S3Errors.accessDenied();
}

/** What one request may do, once it has passed the request-level check. */
export interface Authorization {
  /** Whether the caller may do `action` on the bucket (no key) or on one of its objects. */
  allowed(action: string, key?: string): boolean;
}

/**
 * The request-level check: AccessDenied unless the caller may run the operation. `access` is
 * the bucket's, undefined when the bucket does not exist (then the operation answers
 * NoSuchBucket, as S3 does even to anonymous callers); `accessOf` finds another bucket's
 * (CopyObject's source).
 */
export function authorize(
  facts: RequestFacts,
  bucket: string | undefined,
  key: string | undefined,
  access: BucketAccess | undefined,
  accessOf: (bucket: string) => BucketAccess | undefined,
): Authorization {
  const principal = principalOf(facts.caller, facts.accountId);
  const context = conditionContext(facts);
  const decide = (target: BucketAccess | undefined, action: string, name: string, objectKey?: string): boolean =>
    target === undefined ? principal.kind === "account" : isAllowed(target, principal, action, resourceArn(name, objectKey), context);
  const authorization: Authorization = {
    allowed: (action, objectKey) => (bucket === undefined ? principal.kind === "account" : decide(access, action, bucket, objectKey)),
  };
  const { action, object } = Object.hasOwn(OPERATION_ACTIONS, facts.operation)
    ? OPERATION_ACTIONS[facts.operation as ImplementedOperation]
    : { action: `s3:${facts.operation}`, object: key !== undefined };
  // No bucket policy can grant these: they name no existing bucket.
  if (facts.operation === "ListBuckets" || facts.operation === "CreateBucket") {
    if (principal.kind !== "account") throw S3Errors.accessDenied();
    return authorization;
  }
  if (bucket === undefined || access === undefined) return authorization;
  if (facts.operation === "DeleteObjects") return authorization;
  if (!decide(access, action, bucket, object ? key : undefined)) throw S3Errors.accessDenied();
  if (facts.operation === "CopyObject") {
    const source = copySource(facts.headers["x-amz-copy-source"]);
    const sourceAccess = source ? accessOf(source.bucket) : undefined;
    if (source && sourceAccess && !decide(sourceAccess, "s3:GetObject", source.bucket, source.key)) throw S3Errors.accessDenied();
  }
  return authorization;
}
