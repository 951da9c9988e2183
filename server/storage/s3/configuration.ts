import type {
  CORSRule,
  LifecycleRule,
  LifecycleRuleFilter,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionConfiguration,
  ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { S3Errors } from "./errors.js";
import { all, first, text, type XmlObject, type XmlTree } from "./xml.js";

/**
 * Bucket configurations (encryption, Block Public Access, CORS, lifecycle, policy): their
 * request documents read into the SDK's types, validated as S3 does, and written back as
 * S3's response documents. No HTTP and no state here.
 */

/** What GetBucketEncryption answers for a bucket without its own: SSE-S3, S3's default since January 2023. */
export const DEFAULT_ENCRYPTION: ServerSideEncryptionConfiguration = {
  Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }],
};

/** Every new bucket has all four Block Public Access settings on (S3's default since April 2023). */
export const DEFAULT_PUBLIC_ACCESS_BLOCK: PublicAccessBlockConfiguration = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** The root element of a request document, or MalformedXML. */
function root(tree: XmlTree, name: string): XmlTree {
  const node = first(tree, name);
  if (node === undefined || typeof node === "string") throw S3Errors.malformedXml();
  return node;
}

function bool(node: XmlTree, name: string): boolean | undefined {
  const value = text(node, name);
  if (value === undefined) return undefined;
  if (value.trim() === "true") return true;
  if (value.trim() === "false") return false;
  throw S3Errors.malformedXml();
}

function integer(node: XmlTree | string | undefined, name: string): number | undefined {
  const value = text(node, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw S3Errors.malformedXml();
  return Number(value.trim());
}

const texts = (node: XmlTree, name: string): string[] => all(node, name).map((n) => (typeof n === "string" ? n : text({ x: [n] }, "x") ?? ""));

// ------------------------------------------------------------------ encryption

const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);

export function parseEncryption(tree: XmlTree): ServerSideEncryptionConfiguration {
  const config = root(tree, "ServerSideEncryptionConfiguration");
  const rules = all(config, "Rule");
  if (rules.length === 0) throw S3Errors.malformedXml();
  return {
    Rules: rules.map((r): ServerSideEncryptionRule => {
      if (typeof r === "string") throw S3Errors.malformedXml();
      const byDefault = first(r, "ApplyServerSideEncryptionByDefault");
      const rule: ServerSideEncryptionRule = {};
      if (byDefault !== undefined) {
        const algorithm = text(byDefault, "SSEAlgorithm");
        if (algorithm === undefined || !SSE_ALGORITHMS.has(algorithm)) throw S3Errors.malformedXml();
        const keyId = text(byDefault, "KMSMasterKeyID");
        if (keyId !== undefined && algorithm === "AES256") {
          throw S3Errors.invalidArgument(
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
            "ApplyServerSideEncryptionByDefault",
          );
        }
        rule.ApplyServerSideEncryptionByDefault = { SSEAlgorithm: algorithm as "AES256", ...(keyId !== undefined ? { KMSMasterKeyID: keyId } : {}) };
      }
      const bucketKey = bool(r, "BucketKeyEnabled");
      if (bucketKey !== undefined) rule.BucketKeyEnabled = bucketKey;
      // Kept and answered back; SSE-C is refused by this engine whatever the bucket says.
      const blocked = first(r, "BlockedEncryptionTypes");
      if (blocked !== undefined && typeof blocked !== "string") {
        const types = texts(blocked, "EncryptionType");
        for (const t of types) if (t !== "NONE" && t !== "SSE-C") throw S3Errors.malformedXml();
        rule.BlockedEncryptionTypes = { EncryptionType: types as ("NONE" | "SSE-C")[] };
      }
      return rule;
    }),
  };
}

export function encryptionXml(config: ServerSideEncryptionConfiguration): XmlObject {
  return {
    Rule: (config.Rules ?? []).map((r) => ({
      ApplyServerSideEncryptionByDefault: r.ApplyServerSideEncryptionByDefault
        ? { SSEAlgorithm: r.ApplyServerSideEncryptionByDefault.SSEAlgorithm, KMSMasterKeyID: r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID }
        : undefined,
      BucketKeyEnabled: r.BucketKeyEnabled ?? false,
      BlockedEncryptionTypes: r.BlockedEncryptionTypes ? { EncryptionType: r.BlockedEncryptionTypes.EncryptionType ?? [] } : undefined,
    })),
  };
}

// ------------------------------------------------------------------ Block Public Access

const PUBLIC_ACCESS_FIELDS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

/** Settings left out are false, as S3 stores them. */
export function parsePublicAccessBlock(tree: XmlTree): PublicAccessBlockConfiguration {
  const config = root(tree, "PublicAccessBlockConfiguration");
  const out: PublicAccessBlockConfiguration = {};
  for (const field of PUBLIC_ACCESS_FIELDS) out[field] = bool(config, field) ?? false;
  return out;
}

export function publicAccessBlockXml(config: PublicAccessBlockConfiguration): XmlObject {
  const out: XmlObject = {};
  for (const field of PUBLIC_ACCESS_FIELDS) out[field] = config[field] ?? false;
  return out;
}

// ------------------------------------------------------------------ CORS

const CORS_METHODS = new Set(["GET", "PUT", "HEAD", "POST", "DELETE"]);

export function parseCors(tree: XmlTree): CORSRule[] {
  const config = root(tree, "CORSConfiguration");
  const rules = all(config, "CORSRule");
  if (rules.length === 0 || rules.length > 100) throw S3Errors.malformedXml();
  return rules.map((r): CORSRule => {
    if (typeof r === "string") throw S3Errors.malformedXml();
    const methods = texts(r, "AllowedMethod");
    const origins = texts(r, "AllowedOrigin");
    if (methods.length === 0 || origins.length === 0) throw S3Errors.malformedXml();
    for (const m of methods) {
      if (!CORS_METHODS.has(m)) throw S3Errors.invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    }
    for (const o of origins) {
      if (o.split("*").length > 2) throw S3Errors.invalidRequest(`AllowedOrigin "${o}" can not have more than one wildcard.`);
    }
    const headers = texts(r, "AllowedHeader");
    for (const h of headers) {
      if (h.split("*").length > 2) throw S3Errors.invalidRequest(`AllowedHeader "${h}" can not have more than one wildcard.`);
    }
    const id = text(r, "ID");
    const expose = texts(r, "ExposeHeader");
    const maxAge = integer(r, "MaxAgeSeconds");
    return {
      ...(id !== undefined ? { ID: id } : {}),
      ...(headers.length ? { AllowedHeaders: headers } : {}),
      AllowedMethods: methods,
      AllowedOrigins: origins,
      ...(expose.length ? { ExposeHeaders: expose } : {}),
      ...(maxAge !== undefined ? { MaxAgeSeconds: maxAge } : {}),
    };
  });
}

export function corsXml(rules: CORSRule[]): XmlObject {
  return {
    CORSRule: rules.map((r) => ({
      ID: r.ID,
      AllowedHeader: r.AllowedHeaders,
      AllowedMethod: r.AllowedMethods,
      AllowedOrigin: r.AllowedOrigins,
      ExposeHeader: r.ExposeHeaders,
      MaxAgeSeconds: r.MaxAgeSeconds,
    })),
  };
}

/** S3's CORS patterns: case-sensitive for origins, at most one `*` standing for any text. */
function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf("*");
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/**
 * The first rule that allows this origin, method and (for a preflight) these request headers,
 * as S3 evaluates a bucket's CORS configuration; undefined when none does.
 */
export function matchCorsRule(rules: CORSRule[], origin: string, method: string, requestHeaders: string[]): CORSRule | undefined {
  return rules.find(
    (r) =>
      (r.AllowedOrigins ?? []).some((o) => wildcard(o, origin)) &&
      (r.AllowedMethods ?? []).includes(method) &&
      requestHeaders.every((h) => (r.AllowedHeaders ?? []).some((a) => wildcard(a, h, true))),
  );
}

/** The headers S3 answers for a request a rule allows (preflight adds methods, headers and max age). */
export function corsRuleHeaders(rule: CORSRule, origin: string, preflight?: { requestHeaders: string[] }): Record<string, string> {
  const anyOrigin = (rule.AllowedOrigins ?? []).includes("*");
  const headers: Record<string, string> = {
    "access-control-allow-origin": anyOrigin ? "*" : origin,
    "access-control-allow-methods": (rule.AllowedMethods ?? []).join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!anyOrigin) headers["access-control-allow-credentials"] = "true";
  if (rule.ExposeHeaders?.length) headers["access-control-expose-headers"] = rule.ExposeHeaders.join(", ");
  if (rule.MaxAgeSeconds !== undefined) headers["access-control-max-age"] = String(rule.MaxAgeSeconds);
  if (preflight && preflight.requestHeaders.length) headers["access-control-allow-headers"] = preflight.requestHeaders.join(", ");
  return headers;
}

// ------------------------------------------------------------------ lifecycle

function parseFilter(node: XmlTree): LifecycleRuleFilter {
  const tag = (t: XmlTree | string) => {
    if (typeof t === "string") throw S3Errors.malformedXml();
    const Key = text(t, "Key");
    const Value = text(t, "Value");
    if (Key === undefined || Value === undefined) throw S3Errors.malformedXml();
    return { Key, Value };
  };
  const and = first(node, "And");
  const filter: LifecycleRuleFilter = {};
  const prefix = text(node, "Prefix");
  if (prefix !== undefined) filter.Prefix = prefix;
  const t = first(node, "Tag");
  if (t !== undefined) filter.Tag = tag(t);
  const greater = integer(node, "ObjectSizeGreaterThan");
  if (greater !== undefined) filter.ObjectSizeGreaterThan = greater;
  const less = integer(node, "ObjectSizeLessThan");
  if (less !== undefined) filter.ObjectSizeLessThan = less;
  if (and !== undefined && typeof and !== "string") {
    const andPrefix = text(and, "Prefix");
    const andGreater = integer(and, "ObjectSizeGreaterThan");
    const andLess = integer(and, "ObjectSizeLessThan");
    filter.And = {
      ...(andPrefix !== undefined ? { Prefix: andPrefix } : {}),
      ...(all(and, "Tag").length ? { Tags: all(and, "Tag").map(tag) } : {}),
      ...(andGreater !== undefined ? { ObjectSizeGreaterThan: andGreater } : {}),
      ...(andLess !== undefined ? { ObjectSizeLessThan: andLess } : {}),
    };
  }
  if (Object.keys(filter).length > 1) throw S3Errors.malformedXml();
  return filter;
}

const ACTIONS = ["Expiration", "Transition", "NoncurrentVersionTransition", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"];

export function parseLifecycle(tree: XmlTree): LifecycleRule[] {
  const config = root(tree, "LifecycleConfiguration");
  const rules = all(config, "Rule");
  if (rules.length === 0 || rules.length > 1000) throw S3Errors.malformedXml();
  const ids = new Set<string>();
  return rules.map((r): LifecycleRule => {
    if (typeof r === "string") throw S3Errors.malformedXml();
    const status = text(r, "Status");
    if (status !== "Enabled" && status !== "Disabled") throw S3Errors.malformedXml();
    const id = text(r, "ID");
    if (id !== undefined) {
      if (id.length > 255) throw S3Errors.invalidArgument("ID length should not exceed allowed limit of 255", "ID", id);
      if (ids.has(id)) throw S3Errors.invalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", id);
      ids.add(id);
    }
    const prefix = text(r, "Prefix");
    const filterNode = first(r, "Filter");
    if (prefix !== undefined && filterNode !== undefined) throw S3Errors.malformedXml();
    if (!ACTIONS.some((a) => first(r, a) !== undefined)) throw S3Errors.invalidRequest("At least one action needs to be specified in a rule");
    const rule: LifecycleRule = { Status: status, ...(id !== undefined ? { ID: id } : {}) };
    if (prefix !== undefined) rule.Prefix = prefix;
    if (filterNode !== undefined) rule.Filter = typeof filterNode === "string" ? {} : parseFilter(filterNode);
    const expiration = first(r, "Expiration");
    if (expiration !== undefined && typeof expiration !== "string") {
      const days = integer(expiration, "Days");
      const date = text(expiration, "Date");
      const marker = bool(expiration, "ExpiredObjectDeleteMarker");
      if ([days, date, marker].filter((v) => v !== undefined).length !== 1) throw S3Errors.malformedXml();
      if (days !== undefined && days <= 0) {
        throw S3Errors.invalidArgument("'Days' for Expiration action must be a positive integer", "Days", String(days));
      }
      if (date !== undefined) {
        const at = Date.parse(date);
        if (Number.isNaN(at) || at % 86_400_000 !== 0) throw S3Errors.invalidArgument("'Date' must be at midnight GMT", "Date", date);
        rule.Expiration = { Date: new Date(at) };
      } else if (days !== undefined) rule.Expiration = { Days: days };
      else rule.Expiration = { ExpiredObjectDeleteMarker: marker! };
    }
    const abort = first(r, "AbortIncompleteMultipartUpload");
    if (abort !== undefined) {
      const days = integer(abort, "DaysAfterInitiation");
      if (days === undefined || days <= 0) {
        throw S3Errors.invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", "DaysAfterInitiation", String(days ?? ""));
      }
      rule.AbortIncompleteMultipartUpload = { DaysAfterInitiation: days };
    }
    for (const action of ["Transition", "NoncurrentVersionTransition", "NoncurrentVersionExpiration"] as const) {
      // Kept and answered back; rekognito has one storage class and no versions, so they never act.
      const nodes = all(r, action);
      if (!nodes.length) continue;
      const read = (n: XmlTree | string) => {
        const o: Record<string, unknown> = {};
        if (typeof n === "string") return o;
        for (const [k, v] of Object.entries(n)) {
          const value = v[0];
          if (typeof value === "string") o[k] = /^\d+$/.test(value) ? Number(value) : value;
          else if (value && typeof value === "object") {
            const inner = text({ x: [value] }, "x");
            o[k] = inner !== undefined && /^\d+$/.test(inner) ? Number(inner) : inner;
          }
        }
        return o;
      };
      if (action === "Transition") rule.Transitions = nodes.map(read) as LifecycleRule["Transitions"];
      else if (action === "NoncurrentVersionTransition") rule.NoncurrentVersionTransitions = nodes.map(read) as LifecycleRule["NoncurrentVersionTransitions"];
      else rule.NoncurrentVersionExpiration = read(nodes[0]!) as LifecycleRule["NoncurrentVersionExpiration"];
    }
    return rule;
  });
}

function filterXml(f: LifecycleRuleFilter): XmlObject {
  return {
    Prefix: f.Prefix,
    Tag: f.Tag ? { Key: f.Tag.Key, Value: f.Tag.Value } : undefined,
    ObjectSizeGreaterThan: f.ObjectSizeGreaterThan,
    ObjectSizeLessThan: f.ObjectSizeLessThan,
    And: f.And
      ? {
          Prefix: f.And.Prefix,
          Tag: (f.And.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
          ObjectSizeGreaterThan: f.And.ObjectSizeGreaterThan,
          ObjectSizeLessThan: f.And.ObjectSizeLessThan,
        }
      : undefined,
  };
}

const isoDay = (d: Date | string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");

export function lifecycleXml(rules: LifecycleRule[]): XmlObject {
  return {
    Rule: rules.map((r) => ({
      Expiration: r.Expiration
        ? {
            Date: r.Expiration.Date !== undefined ? isoDay(r.Expiration.Date) : undefined,
            Days: r.Expiration.Days,
            ExpiredObjectDeleteMarker: r.Expiration.ExpiredObjectDeleteMarker,
          }
        : undefined,
      ID: r.ID,
      Prefix: r.Prefix,
      Filter: r.Filter ? filterXml(r.Filter) : undefined,
      Status: r.Status,
      Transition: (r.Transitions ?? []) as unknown as XmlObject[],
      NoncurrentVersionTransition: (r.NoncurrentVersionTransitions ?? []) as unknown as XmlObject[],
      NoncurrentVersionExpiration: r.NoncurrentVersionExpiration as unknown as XmlObject | undefined,
      AbortIncompleteMultipartUpload: r.AbortIncompleteMultipartUpload
        ? { DaysAfterInitiation: r.AbortIncompleteMultipartUpload.DaysAfterInitiation }
        : undefined,
    })),
  };
}

// ------------------------------------------------------------------ policy

/**
 * A bucket policy must be a JSON object with a Statement: kept as sent (S3 answers it back).
 * Its statements are checked and evaluated by policy.ts.
 */
export function checkPolicy(body: Buffer): string {
  const policy = body.toString("utf8");
  if (!policy.startsWith("{")) throw S3Errors.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw S3Errors.malformedPolicy("This policy contains invalid Json");
  }
  const statement = (parsed as { Statement?: unknown }).Statement;
  if (statement === undefined || statement === null || typeof statement !== "object") {
    throw S3Errors.malformedPolicy("Missing required field Statement");
  }
  if (Array.isArray(statement) && statement.length === 0) throw S3Errors.malformedPolicy("Could not parse the policy: Statement is empty!");
  return policy;
}
