import { isIP } from "node:net";
import { S3Errors } from "./errors.js";

/**
 * Bucket policies: read once into statements, then evaluated per request as AWS's policy
 * evaluation logic describes it ("an explicit deny in any policy overrides any allows"; with no
 * matching statement the request is implicitly denied). No HTTP and no state here: the request
 * arrives as a principal, an IAM action, a resource ARN and the values of its condition keys
 * (server/storage/s3/access.ts builds those).
 *
 * Supported, as AWS reads them: Effect Allow|Deny; Principal and NotPrincipal (`"*"`,
 * `{"AWS": "*"}`, an account id, `arn:aws:iam::<account>:root`, other IAM ARNs, Service
 * principals); Action and NotAction with `*` and `?` wildcards, case-insensitive; Resource and
 * NotResource with wildcards, case-sensitive; Condition with every IAM condition operator (String*,
 * Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null), their IfExists forms
 * and the ForAllValues:/ForAnyValue: set qualifiers. Policy variables (`${aws:username}`) are
 * not substituted.
 */

export type Effect = "Allow" | "Deny";

/** Who a statement names: `"*"` (everyone, anonymous included) or principals by type. */
export type Principals = "*" | { AWS?: string[]; Service?: string[]; Federated?: string[]; CanonicalUser?: string[] };

export interface Condition {
  /** As written, e.g. "ForAnyValue:StringLikeIfExists". */
  operator: string;
  /** Lower-cased: condition key names are case-insensitive. */
  key: string;
  values: string[];
}

export interface Statement {
  sid?: string;
  effect: Effect;
  principal?: Principals;
  notPrincipal?: Principals;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  conditions: Condition[];
}

export interface BucketPolicy {
  statements: Statement[];
}

/** Who is asking, as a bucket policy sees it. */
export type PolicyPrincipal =
  | { kind: "anonymous" }
  /** A principal of an account (in this emulator: the one account's own, whatever key signed). */
  | { kind: "account"; accountId: string; arn: string };

export interface PolicyRequest {
  principal: PolicyPrincipal;
  /** The IAM action, e.g. "s3:GetObject". */
  action: string;
  /** arn:aws:s3:::bucket or arn:aws:s3:::bucket/key */
  resource: string;
  /** Condition keys present in the request, names lower-cased. */
  context: Record<string, string | string[] | undefined>;
}

/** What the policy says about one request. */
export type Decision = "explicitDeny" | "allow" | "noMatch";

// ------------------------------------------------------------------ reading

const list = (value: unknown): string[] | undefined => {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
};

const ACCOUNT = /^\d{12}$/;
const IAM_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|aws):.+$/;

function principals(value: unknown): Principals {
  if (value === "*") return "*";
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw S3Errors.malformedPolicy("Invalid principal in policy");
  const out: Exclude<Principals, "*"> = {};
  for (const [type, names] of Object.entries(value)) {
    if (type !== "AWS" && type !== "Service" && type !== "Federated" && type !== "CanonicalUser") {
      throw S3Errors.malformedPolicy("Invalid principal in policy");
    }
    const values = list(names) ?? [];
    if (type === "AWS" && values.some((v) => v !== "*" && !ACCOUNT.test(v) && !IAM_ARN.test(v))) {
      throw S3Errors.malformedPolicy("Invalid principal in policy");
    }
    out[type] = values;
  }
  return out;
}

/** The condition operators IAM defines (without IfExists and the set qualifiers). */
const OPERATORS: ReadonlySet<string> = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
]);

/** The negated operators: with the key absent from the request they are true, as IAM documents. */
const NEGATED: ReadonlySet<string> = new Set([
  "StringNotEquals",
  "StringNotEqualsIgnoreCase",
  "StringNotLike",
  "NumericNotEquals",
  "DateNotEquals",
  "NotIpAddress",
  "ArnNotEquals",
  "ArnNotLike",
]);

interface Operator {
  qualifier: "ForAllValues" | "ForAnyValue" | undefined;
  base: string;
  ifExists: boolean;
}

function readOperator(operator: string): Operator | undefined {
  let rest = operator;
  let qualifier: Operator["qualifier"];
  for (const q of ["ForAllValues", "ForAnyValue"] as const) {
    if (rest.startsWith(`${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "IfExists";
  const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
  if (!OPERATORS.has(base) || (base === "Null" && ifExists)) return undefined;
  return { qualifier, base, ifExists };
}

function conditions(value: unknown): Condition[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw S3Errors.malformedPolicy("Invalid policy syntax.");
  const out: Condition[] = [];
  for (const [operator, keys] of Object.entries(value)) {
    // rekognito's wording: AWS refuses an unknown operator, message not confirmed.
    if (!readOperator(operator)) throw S3Errors.malformedPolicy(`Invalid Condition type : ${operator}`);
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) throw S3Errors.malformedPolicy("Invalid policy syntax.");
    for (const [key, values] of Object.entries(keys)) out.push({ operator, key: key.toLowerCase(), values: list(values) ?? [] });
  }
  return out;
}

/** Whether a Resource pattern names this bucket or objects in it (AWS: "Policy has invalid resource" otherwise). */
function inBucket(resource: string, bucket: string): boolean {
  if (resource === "*") return true;
  const m = /^arn:(aws|\*):s3:::([^/]+)(\/.*)?$/.exec(resource);
  return m !== null && globMatch(m[2]!, bucket, false);
}

/**
 * A policy document as S3 reads it at PutBucketPolicy, for `bucket`: MalformedPolicy with AWS's
 * wording for what AWS refuses (an Effect other than Allow/Deny, a statement without Principal,
 * Action or Resource, a principal that is not one, an action outside s3:, a resource outside
 * the bucket, a Version AWS does not know).
 */
export function parseBucketPolicy(json: string, bucket: string): BucketPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw S3Errors.malformedPolicy("This policy contains invalid Json");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw S3Errors.malformedPolicy("This policy contains invalid Json");
  const { Version: version, Statement: raw } = doc as { Version?: unknown; Statement?: unknown };
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") {
    throw S3Errors.malformedPolicy("The policy must contain a valid version string");
  }
  if (raw === undefined || raw === null || typeof raw !== "object") throw S3Errors.malformedPolicy("Missing required field Statement");
  const raws = Array.isArray(raw) ? raw : [raw];
  if (raws.length === 0) throw S3Errors.malformedPolicy("Could not parse the policy: Statement is empty!");
  const statements = raws.map((s): Statement => {
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw S3Errors.malformedPolicy("Invalid policy syntax.");
    const r = s as Record<string, unknown>;
    if (r.Effect === undefined) throw S3Errors.malformedPolicy("Missing required field Effect");
    if (r.Effect !== "Allow" && r.Effect !== "Deny") throw S3Errors.malformedPolicy(`Invalid effect: ${String(r.Effect)}`);
    if (r.Principal === undefined && r.NotPrincipal === undefined) throw S3Errors.malformedPolicy("Missing required field Principal");
    if (r.Action === undefined && r.NotAction === undefined) throw S3Errors.malformedPolicy("Missing required field Action");
    if (r.Resource === undefined && r.NotResource === undefined) throw S3Errors.malformedPolicy("Missing required field Resource");
    const statement: Statement = {
      sid: typeof r.Sid === "string" ? r.Sid : undefined,
      effect: r.Effect,
      principal: r.Principal === undefined ? undefined : principals(r.Principal),
      notPrincipal: r.NotPrincipal === undefined ? undefined : principals(r.NotPrincipal),
      action: list(r.Action),
      notAction: list(r.NotAction),
      resource: list(r.Resource),
      notResource: list(r.NotResource),
      conditions: conditions(r.Condition),
    };
    for (const action of [...(statement.action ?? []), ...(statement.notAction ?? [])]) {
      if (action !== "*" && !/^s3:[A-Za-z*?]+$/i.test(action)) throw S3Errors.malformedPolicy("Policy has invalid action");
    }
    for (const resource of [...(statement.resource ?? []), ...(statement.notResource ?? [])]) {
      if (!inBucket(resource, bucket)) throw S3Errors.malformedPolicy("Policy has invalid resource");
    }
    return statement;
  });
  return { statements };
}

/**
 * The same document read without refusing anything, for evaluation (a policy kept before
 * rekognito checked them): what cannot be read makes its statement match nothing when it
 * allows and everything when it denies, the safe reading.
 */
export function readStoredPolicy(json: string, bucket: string): BucketPolicy {
  try {
    return parseBucketPolicy(json, bucket);
  } catch {
    let raws: unknown[] = [];
    try {
      const doc = JSON.parse(json) as { Statement?: unknown };
      raws = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    } catch {
      return { statements: [] };
    }
    const statements: Statement[] = [];
    for (const s of raws) {
      try {
        statements.push(...parseBucketPolicy(JSON.stringify({ Statement: [s] }), bucket).statements);
      } catch {
        // Unreadable: a Deny of it applies to everything; an Allow grants nothing.
        if ((s as { Effect?: unknown } | null)?.Effect === "Deny") statements.push({ effect: "Deny", principal: "*", action: ["*"], resource: ["*"], conditions: [] });
      }
    }
    return { statements };
  }
}

// ------------------------------------------------------------------ matching

/** IAM's wildcard match: `*` any run of characters, `?` any one. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative match with backtracking on the last `*` (linear in practice, no regular expression).
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === "?" || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

function principalMatches(names: Principals, who: PolicyPrincipal): boolean {
  if (names === "*") return true;
  const aws = names.AWS ?? [];
  if (aws.includes("*")) return true;
  if (who.kind === "anonymous") return false;
  // An account id or its root ARN names every principal of that account.
  return aws.some((p) => p === who.accountId || p === who.arn || new RegExp(`^arn:aws[a-z-]*:iam::${who.accountId}:root$`).test(p));
}

function statementPrincipal(s: Statement, who: PolicyPrincipal): boolean {
  if (s.principal !== undefined) return principalMatches(s.principal, who);
  return !principalMatches(s.notPrincipal!, who);
}

function statementAction(s: Statement, action: string): boolean {
  if (s.action) return s.action.some((a) => globMatch(a, action, true));
  return !s.notAction!.some((a) => globMatch(a, action, true));
}

function statementResource(s: Statement, resource: string): boolean {
  if (s.resource) return s.resource.some((r) => globMatch(r, resource, false));
  return !s.notResource!.some((r) => globMatch(r, resource, false));
}

// ------------------------------------------------------------------ conditions

function parseCidr(value: string): { bytes: Buffer; bits: number } | undefined {
  const [address, prefix] = value.trim().split("/", 2) as [string, string | undefined];
  const family = isIP(address);
  if (!family) return undefined;
  const bytes = family === 4 ? Buffer.from(address.split(".").map(Number)) : ipv6Bytes(address);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  const bits = prefix === undefined ? max : Number(prefix);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  return { bytes, bits };
}

function ipv6Bytes(address: string): Buffer | undefined {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split(".").map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split("::", 2) as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || "0", 16), i * 2));
  return out;
}

/** Whether an address is in a CIDR block; an IPv4 address seen as ::ffff:a.b.c.d counts as IPv4. */
export function inCidr(address: string, cidr: string): boolean {
  const block = parseCidr(cidr);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = parseCidr(mapped ? mapped[1]! : address);
  if (!block || !ip || block.bytes.length !== ip.bytes.length) return false;
  for (let bit = 0; bit < block.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((block.bytes[byte]! & mask) !== (ip.bytes[byte]! & mask)) return false;
  }
  return true;
}

const dateOf = (v: string): number => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));

/** One context value against one policy value, by the operator's positive form. */
function compare(base: string, actual: string, expected: string): boolean {
  switch (base) {
    case "StringEquals":
    case "StringNotEquals":
      return actual === expected;
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
      return actual.toLowerCase() === expected.toLowerCase();
    case "StringLike":
    case "StringNotLike":
      return globMatch(expected, actual, false);
    case "ArnEquals":
    case "ArnNotEquals":
    case "ArnLike":
    case "ArnNotLike":
      return globMatch(expected, actual, false);
    case "Bool":
      return actual.toLowerCase() === expected.toLowerCase();
    case "BinaryEquals":
      return Buffer.from(actual).toString("base64") === expected;
    case "IpAddress":
    case "NotIpAddress":
      return inCidr(actual, expected);
    default: {
      const numeric = base.startsWith("Numeric");
      const a = numeric ? Number(actual) : dateOf(actual);
      const e = numeric ? Number(expected) : dateOf(expected);
      if (Number.isNaN(a) || Number.isNaN(e)) return false;
      const op = base.replace(/^(Numeric|Date)(Not)?/, "");
      if (op === "Equals") return a === e;
      if (op === "LessThan") return a < e;
      if (op === "LessThanEquals") return a <= e;
      if (op === "GreaterThan") return a > e;
      return a >= e;
    }
  }
}

function conditionHolds(c: Condition, context: PolicyRequest["context"]): boolean {
  const op = readOperator(c.operator)!;
  const present = context[c.key];
  if (op.base === "Null") {
    // "true": the key must be absent; "false": present.
    return c.values.some((v) => (v.toLowerCase() === "true") === (present === undefined));
  }
  const negated = NEGATED.has(op.base);
  if (present === undefined) {
    if (op.ifExists) return true;
    if (op.qualifier === "ForAllValues") return true;
    if (op.qualifier === "ForAnyValue") return false;
    // "If the key ... is not present in the request context, the values do not match"; a
    // negated operator (StringNotLike, NotIpAddress...) is then true.
    return negated;
  }
  const values = Array.isArray(present) ? present : [present];
  const one = (actual: string) => {
    const matched = c.values.some((expected) => compare(op.base, actual, expected));
    return negated ? !matched : matched;
  };
  if (op.qualifier === "ForAllValues") return values.every(one);
  return values.some(one);
}

function statementConditions(s: Statement, context: PolicyRequest["context"]): boolean {
  return s.conditions.every((c) => conditionHolds(c, context));
}

export function statementApplies(s: Statement, request: PolicyRequest): boolean {
  return (
    statementPrincipal(s, request.principal) &&
    statementAction(s, request.action) &&
    statementResource(s, request.resource) &&
    statementConditions(s, request.context)
  );
}

/** What a bucket policy decides for a request: an explicit deny, an allow, or nothing said. */
export function evaluate(policy: BucketPolicy | undefined, request: PolicyRequest): Decision {
  let allowed = false;
  for (const s of policy?.statements ?? []) {
    if (!statementApplies(s, request)) continue;
    if (s.effect === "Deny") return "explicitDeny";
    allowed = true;
  }
  return allowed ? "allow" : "noMatch";
}

// ------------------------------------------------------------------ public or not

/**
 * Condition keys whose fixed value makes a wildcard-principal statement non-public, as S3's
 * "The meaning of public" lists them (a set of CIDRs in aws:SourceIp; a fixed aws:SourceArn,
 * aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount,
 * s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid, and the principal's account or
 * organization).
 */
const FIXING_KEYS: ReadonlySet<string> = new Set([
  "aws:sourcearn",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceowner",
  "aws:sourceaccount",
  "s3:x-amz-server-side-encryption-aws-kms-key-id",
  "aws:userid",
  "aws:principalaccount",
  "aws:principalorgid",
  "aws:principalarn",
]);

function fixes(c: Condition): boolean {
  const op = readOperator(c.operator);
  if (!op || op.ifExists || op.qualifier === "ForAllValues" || c.values.length === 0) return false;
  if (c.key === "aws:sourceip") {
    // A range that takes in every address (0.0.0.0/0, ::/0) limits nothing.
    return op.base === "IpAddress" && c.values.every((v) => parseCidr(v) !== undefined && parseCidr(v)!.bits > 0);
  }
  if (!FIXING_KEYS.has(c.key)) return false;
  const equality = op.base === "StringEquals" || op.base === "StringEqualsIgnoreCase" || op.base === "ArnEquals";
  const like = op.base === "StringLike" || op.base === "ArnLike";
  if (!equality && !like) return false;
  return c.values.every((v) => !like || !/[*?]/.test(v));
}

/** Whether a statement grants to everyone (anonymous included) without a fixing condition. */
function publicStatement(s: Statement): boolean {
  if (s.effect !== "Allow") return false;
  const wildcard = s.notPrincipal !== undefined || (s.principal !== undefined && principalMatches(s.principal, { kind: "anonymous" }));
  if (!wildcard) return false;
  return !s.conditions.some(fixes);
}

/** S3's test for a public bucket policy: any Allow to a wildcard principal not fixed by a condition. */
export function isPublicPolicy(policy: BucketPolicy | undefined): boolean {
  return (policy?.statements ?? []).some(publicStatement);
}
