import * as crypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signature Version 4, as AWS checks it: the request's authentication (an Authorization header,
 * or presigned query parameters), the canonical request rebuilt from what arrived on the wire,
 * and the signature compared with the one computed from a known secret. Nothing here knows about
 * HTTP frameworks or services' state: the request policy (policy.ts) feeds it the method, raw URL,
 * raw headers and payload hash, and maps the outcome to each protocol's error.
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */

/**
 * Who sent a request, as the request policy established it; services read `request.caller`.
 * - anonymous: no signature at all (only S3 serves these, by its bucket policies). `trusted` is
 *   true under --accept-any-credentials: the user asked for today's laxness, serve it as signed.
 * - signed: a SigV4 (or SigV2, S3) signature. `verified` is true when rekognito knows the key and
 *   the signature matched; false when the key is unknown (accepted unless --strict-credentials),
 *   under --accept-any-credentials, or for a form rekognito cannot check (SigV2, SigV4a).
 */
export type Caller =
  | { kind: "anonymous"; trusted: boolean }
  | {
      kind: "signed";
      accessKeyId: string;
      verified: boolean;
      /** From the credential scope; null for SigV2. */
      region: string | null;
      service: string | null;
      /** "header": Authorization (S3's authType REST-HEADER); "query": a presigned URL (REST-QUERY-STRING). */
      via: "header" | "query";
      /** As S3's s3:signatureversion condition key names it. */
      signatureVersion: "AWS4-HMAC-SHA256" | "AWS" | "AWS4-ECDSA-P256-SHA256";
    };

/** An access key pair rekognito knows, so it can check what was signed with it. */
export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Known by default: the pair every local-AWS guide uses (`test`/`test`, also what rekognito's
 * Lambda runner hands its functions: server/lambda/environment-specs.ts), and AWS's documentation example.
 */
export const WELL_KNOWN_CREDENTIALS: readonly Credential[] = [
  { accessKeyId: "test", secretAccessKey: "test" },
  { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
];

/** The keys rekognito verifies signatures with: the well-known ones plus whatever the user configures. */
export class KnownCredentials {
  private readonly secrets = new Map<string, string>();
  constructor(configured: readonly Credential[] = []) {
    for (const c of [...WELL_KNOWN_CREDENTIALS, ...configured]) this.secrets.set(c.accessKeyId, c.secretAccessKey);
  }
  secretOf(accessKeyId: string): string | undefined {
    return this.secrets.get(accessKeyId);
  }
  get size(): number {
    return this.secrets.size;
  }
}

/**
 * `id:secret` pairs, comma- or newline-separated (`--credentials`, REKOGNITO_CREDENTIALS), or an
 * AWS shared credentials file (`[profile]` sections with aws_access_key_id and
 * aws_secret_access_key), so `--credentials-file ~/.aws/credentials` works as it is.
 */
export function parseCredentials(text: string, where: string): Credential[] {
  const out: Credential[] = [];
  let pendingId: string | undefined;
  let pendingSecret: string | undefined;
  const flush = () => {
    if (pendingId && pendingSecret) out.push({ accessKeyId: pendingId, secretAccessKey: pendingSecret });
    pendingId = pendingSecret = undefined;
  };
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      flush();
      continue;
    }
    const ini = /^(aws_access_key_id|aws_secret_access_key|aws_session_token|region|output)\s*=\s*(.*)$/i.exec(line);
    if (ini) {
      const name = ini[1]!.toLowerCase();
      if (name === "aws_access_key_id") pendingId = ini[2]!.trim();
      else if (name === "aws_secret_access_key") pendingSecret = ini[2]!.trim();
      continue;
    }
    if (/^[A-Za-z_]+\s*=/.test(line)) continue; // other profile settings
    const colon = line.indexOf(":");
    if (colon <= 0 || colon === line.length - 1) throw new Error(`${where}: expected id:secret, got "${line.length > 40 ? `${line.slice(0, 40)}…` : line}"`);
    out.push({ accessKeyId: line.slice(0, colon).trim(), secretAccessKey: line.slice(colon + 1).trim() });
  }
  flush();
  return out;
}

// ------------------------------------------------------------------ what the request carries

/** The scope a credential names: `AKID/20260101/us-east-1/s3/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string | null;
  region: string | null;
  service: string | null;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/**
 * Who a request says signed it and for which region and service, without checking anything: the
 * services use it to pick a region (requests the policy let through are already authenticated).
 */
export function callerFromHeaders(headers: Record<string, string | string[] | undefined>, query: Record<string, unknown> = {}): CredentialScope {
  const auth = headers["authorization"];
  const value = Array.isArray(auth) ? auth[0] : auth;
  const fromHeader = value ? CREDENTIAL.exec(value) : null;
  if (fromHeader) return { accessKeyId: fromHeader[1]!, region: fromHeader[3]!, service: fromHeader[4]! };
  const credential = query["X-Amz-Credential"];
  if (typeof credential === "string") {
    const parts = credential.split("/");
    if (parts.length >= 5) return { accessKeyId: parts[0]!, region: parts[2]!, service: parts[3]! };
  }
  return { accessKeyId: null, region: null, service: null };
}

export const ALGORITHM = "AWS4-HMAC-SHA256";
const ALGORITHM_V4A = "AWS4-ECDSA-P256-SHA256";
/** AWS's limit for a presigned URL's X-Amz-Expires: seven days. */
export const MAX_PRESIGNED_SECONDS = 604800;
/** AWS refuses a request signed more than 15 minutes away from its own clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** A SigV4 signature to check, from the Authorization header or the query. */
export interface SigV4Authentication {
  kind: "sigv4";
  via: "header" | "query";
  accessKeyId: string;
  /** The credential scope: date (yyyyMMdd), region, service. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** The request's timestamp, yyyyMMdd'T'HHmmss'Z' (X-Amz-Date, or Date converted). */
  amzDate: string;
  /** Presigned only: X-Amz-Expires as given. */
  expires?: string;
}

/** What rekognito cannot check (SigV2, SigV4a) but can name the key of. */
export interface UncheckableAuthentication {
  kind: "uncheckable";
  via: "header" | "query";
  accessKeyId: string;
  region: string | null;
  service: string | null;
  form: "SigV2" | "SigV4a";
}

/** A signature that is there but incomplete; `missing` names what lacks, as AWS lists it. */
export interface MalformedAuthentication {
  kind: "malformed";
  via: "header" | "query";
  /** What is wrong, for the error messages: missing parameters, or the problem in words. */
  missing: string[];
  problem?: "algorithm" | "date" | "credential" | "scope-date" | "expires";
  raw: string;
  accessKeyId?: string;
  /** The Credential as given, and the dates, for the messages that quote them. */
  credential?: string;
  amzDate?: string;
}

export type Authentication = { kind: "none" } | SigV4Authentication | UncheckableAuthentication | MalformedAuthentication;

/** The raw request, as it arrived: what a signature covers. */
export interface WireRequest {
  method: string;
  /** The URL exactly as sent: path (percent-encoded as on the wire) and query. */
  url: string;
  /** Header names (any case) → every value received for that name, in order. */
  headers: Map<string, string[]>;
}

/** Node's rawHeaders ([name, value, name, value…]) as WireRequest headers. */
export function headerMap(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = map.get(name);
    if (list) list.push(rawHeaders[i + 1]!);
    else map.set(name, [rawHeaders[i + 1]!]);
  }
  return map;
}

function header(request: WireRequest, name: string): string | undefined {
  const values = request.headers.get(name);
  return values ? values.join(",") : undefined;
}

/** The query's parameters, decoded, in order (a parameter may repeat). */
export function queryPairs(url: string): [string, string][] {
  const at = url.indexOf("?");
  if (at < 0) return [];
  const pairs: [string, string][] = [];
  for (const piece of url.slice(at + 1).split("&")) {
    if (!piece) continue;
    const eq = piece.indexOf("=");
    const key = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    pairs.push([decodeComponent(key), decodeComponent(value)]);
  }
  return pairs;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** yyyyMMdd'T'HHmmss'Z' → ms since the epoch. */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/**
 * The authentication a request carries. A header signature wins over query parameters, as
 * AWS reads them. Presigned (query) SigV4 needs every X-Amz-* parameter AWS lists.
 */
export function parseAuthentication(request: WireRequest): Authentication {
  const authorization = header(request, "authorization");
  if (authorization !== undefined && authorization.trim() !== "") return parseHeaderAuthentication(authorization.trim(), request);
  const query = new Map<string, string>();
  for (const [k, v] of queryPairs(request.url)) if (!query.has(k)) query.set(k, v);
  if (query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has("X-Amz-Signature")) return parseQueryAuthentication(query);
  if (query.has("AWSAccessKeyId") && query.has("Signature")) {
    return { kind: "uncheckable", via: "query", accessKeyId: query.get("AWSAccessKeyId")!, region: null, service: null, form: "SigV2" };
  }
  return { kind: "none" };
}

function parseHeaderAuthentication(value: string, request: WireRequest): Authentication {
  const space = value.indexOf(" ");
  const algorithm = space < 0 ? value : value.slice(0, space);
  const rest = space < 0 ? "" : value.slice(space + 1);
  if (algorithm === "AWS") {
    const colon = rest.lastIndexOf(":");
    return { kind: "uncheckable", via: "header", accessKeyId: colon > 0 ? rest.slice(0, colon).trim() : rest.trim(), region: null, service: null, form: "SigV2" };
  }
  const parts = new Map<string, string>();
  for (const piece of rest.split(/[,\s]+/)) {
    const eq = piece.indexOf("=");
    if (eq > 0) parts.set(piece.slice(0, eq), piece.slice(eq + 1));
  }
  const credential = parts.get("Credential");
  if (algorithm === ALGORITHM_V4A) {
    const scope = credential?.split("/") ?? [];
    return { kind: "uncheckable", via: "header", accessKeyId: scope[0] ?? "", region: null, service: scope[2] ?? null, form: "SigV4a" };
  }
  if (algorithm !== ALGORITHM) return { kind: "malformed", via: "header", missing: [], problem: "algorithm", raw: value };
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((p) => !parts.get(p));
  const amzDate = header(request, "x-amz-date") ?? dateHeaderAsAmz(header(request, "date"));
  if (missing.length || !amzDate) {
    return { kind: "malformed", via: "header", missing: amzDate ? missing : [...missing, "date"], raw: value, accessKeyId: credential?.split("/")[0], credential };
  }
  const scope = credential!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !scope[0] || !/^\d{8}$/.test(scope[1]!)) {
    return { kind: "malformed", via: "header", missing: [], problem: "credential", raw: value, accessKeyId: scope[0], credential };
  }
  if (!parseAmzDate(amzDate)) return { kind: "malformed", via: "header", missing: [], problem: "date", raw: value, accessKeyId: scope[0], amzDate };
  if (amzDate.slice(0, 8) !== scope[1]) {
    return { kind: "malformed", via: "header", missing: [], problem: "scope-date", raw: value, accessKeyId: scope[0], credential, amzDate };
  }
  return {
    kind: "sigv4",
    via: "header",
    accessKeyId: scope[0]!,
    scopeDate: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: parts.get("SignedHeaders")!.split(";"),
    signature: parts.get("Signature")!,
    amzDate,
  };
}

/** The Date header (RFC 1123) as a SigV4 timestamp; SigV4 allows it when X-Amz-Date is absent. */
function dateHeaderAsAmz(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : formatAmzDate(ms);
}

const PRESIGN_PARAMETERS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"];

function parseQueryAuthentication(query: Map<string, string>): Authentication {
  const raw = [...query.entries()].filter(([k]) => k.startsWith("X-Amz-")).map(([k, v]) => `${k}=${v}`).join("&");
  const credential = query.get("X-Amz-Credential");
  const accessKeyId = credential?.split("/")[0];
  const missing = PRESIGN_PARAMETERS.filter((p) => !query.get(p));
  if (missing.length) return { kind: "malformed", via: "query", missing, raw, accessKeyId, credential };
  if (query.get("X-Amz-Algorithm") !== ALGORITHM) return { kind: "malformed", via: "query", missing: [], problem: "algorithm", raw, accessKeyId };
  const scope = credential!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !scope[0] || !/^\d{8}$/.test(scope[1]!)) {
    return { kind: "malformed", via: "query", missing: [], problem: "credential", raw, accessKeyId, credential };
  }
  const amzDate = query.get("X-Amz-Date")!;
  if (!parseAmzDate(amzDate)) return { kind: "malformed", via: "query", missing: [], problem: "date", raw, accessKeyId, amzDate };
  const expires = query.get("X-Amz-Expires")!;
  if (!/^\d+$/.test(expires) || Number(expires) > MAX_PRESIGNED_SECONDS) return { kind: "malformed", via: "query", missing: [], problem: "expires", raw, accessKeyId };
  if (amzDate.slice(0, 8) !== scope[1]) return { kind: "malformed", via: "query", missing: [], problem: "scope-date", raw, accessKeyId, credential, amzDate };
  return {
    kind: "sigv4",
    via: "query",
    accessKeyId: scope[0]!,
    scopeDate: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: query.get("X-Amz-SignedHeaders")!.split(";"),
    signature: query.get("X-Amz-Signature")!,
    amzDate,
    expires,
  };
}

// ------------------------------------------------------------------ the canonical request

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper case). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI. S3 signs the path as it is on the wire (the SDKs encode a key once and do
 * not normalise it); every other service signs the path with dot segments and empty segments
 * removed, then encoded once more (so `%3A` on the wire is `%253A` in the canonical request).
 */
export function canonicalUri(url: string, service: string): string {
  const path = url.split("?", 1)[0] || "/";
  if (service === "s3" || path === "/") return path;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (!segment || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join("/")}${segments.length && path.endsWith("/") ? "/" : ""}`;
  return normalized
    .split("/")
    .map((s) => uriEncode(s))
    .join("/");
}

/** The canonical query: every parameter (but X-Amz-Signature when presigned) encoded and sorted. */
export function canonicalQuery(url: string, presigned: boolean): string {
  const pairs = queryPairs(url)
    .filter(([k]) => !(presigned && k === "X-Amz-Signature"))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** Signed headers as SigV4 writes them: trimmed, inner runs of spaces made one, repeats joined by commas. */
function canonicalHeaders(request: WireRequest, names: readonly string[]): string | undefined {
  let out = "";
  for (const name of names) {
    const values = request.headers.get(name.toLowerCase());
    if (!values) return undefined;
    out += `${name.toLowerCase()}:${values.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`;
  }
  return out;
}

/** Node's one-shot hash (20.12 and later): about half the cost of a Hash object for a request's few hundred bytes. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: "hex") => string }).hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShotHash ? oneShotHash("sha256", data, "hex") : createHash("sha256").update(data).digest("hex");
}

export const EMPTY_SHA256 = sha256Hex("");

export function canonicalRequest(request: WireRequest, auth: SigV4Authentication, payloadHash: string): string | undefined {
  const headers = canonicalHeaders(request, auth.signedHeaders);
  if (headers === undefined) return undefined;
  return [
    request.method.toUpperCase(),
    canonicalUri(request.url, auth.service),
    canonicalQuery(request.url, auth.via === "query"),
    headers,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

function scopeOf(auth: Pick<SigV4Authentication, "scopeDate" | "region" | "service">): string {
  return `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
}

export function stringToSign(auth: SigV4Authentication, canonical: string): string {
  return [ALGORITHM, auth.amzDate, scopeOf(auth), sha256Hex(canonical)].join("\n");
}

const signingKeys = new Map<string, Buffer>();

/** kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request" (cached: it changes daily). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\0${region}\0${service}\0${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    const hmac = (k: string | Buffer, data: string) => createHmac("sha256", k).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
    if (signingKeys.size >= 1000) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length || !/^[0-9a-f]*$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export type Verification =
  | { ok: true; signingKey: Buffer }
  | { ok: false; canonicalRequest: string; stringToSign: string };

/**
 * Checks a SigV4 signature with the key's secret. `payloadHash`: what the canonical request ends
 * with (S3: x-amz-content-sha256 as sent, or UNSIGNED-PAYLOAD when presigned; other services:
 * the SHA-256 of the body).
 */
export function verifySignature(request: WireRequest, auth: SigV4Authentication, secret: string, payloadHash: string): Verification {
  const canonical = canonicalRequest(request, auth, payloadHash);
  if (canonical === undefined) return { ok: false, canonicalRequest: "(a signed header is missing from the request)", stringToSign: "" };
  const toSign = stringToSign(auth, canonical);
  const key = signingKey(secret, auth.scopeDate, auth.region, auth.service);
  const expected = createHmac("sha256", key).update(toSign).digest("hex");
  if (sameHex(auth.signature, expected)) return { ok: true, signingKey: key };
  return { ok: false, canonicalRequest: canonical, stringToSign: toSign };
}

/**
 * The payload S3 signs: presigned URLs sign UNSIGNED-PAYLOAD (or X-Amz-Content-Sha256 when the
 * URL carries one); a header signature signs x-amz-content-sha256 as sent (a hash, UNSIGNED-PAYLOAD
 * or a STREAMING-* mode whose chunks are then signed in turn). Undefined: a header signature with
 * no x-amz-content-sha256, which S3 refuses.
 */
export function s3PayloadHash(request: WireRequest, auth: SigV4Authentication): string | undefined {
  if (auth.via === "query") {
    for (const [k, v] of queryPairs(request.url)) if (k === "X-Amz-Content-Sha256") return v;
    return "UNSIGNED-PAYLOAD";
  }
  return header(request, "x-amz-content-sha256");
}

/**
 * Chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] uploads: each chunk's
 * signature chains from the previous one (the first from the seed, the Authorization header's),
 * over the hash of the chunk's bytes. True when every chunk signature matches; false at the first
 * that does not or is absent. Framing errors are left to the decoder (s3/chunked.ts), which
 * answers IncompleteBody. A trailer's own signature (x-amz-trailer-signature) is not checked:
 * the trailer carries checksums, which S3 verifies against the stored bytes anyway.
 */
export function verifyChunkSignatures(body: Buffer, auth: SigV4Authentication, key: Buffer): boolean {
  const scope = scopeOf(auth);
  let previous = auth.signature;
  let pos = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", pos);
    if (eol < 0) return true;
    const [sizeText, ...extensions] = body.subarray(pos, eol).toString("latin1").split(";");
    const size = parseInt(sizeText!.trim(), 16);
    if (!Number.isFinite(size) || eol + 2 + size > body.length) return true;
    const signature = extensions.map((e) => /^chunk-signature=([0-9a-f]{64})$/.exec(e.trim())?.[1]).find(Boolean);
    if (!signature) return false;
    const data = body.subarray(eol + 2, eol + 2 + size);
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", auth.amzDate, scope, previous, EMPTY_SHA256, sha256Hex(data)].join("\n");
    if (!sameHex(signature, createHmac("sha256", key).update(toSign).digest("hex"))) return false;
    if (size === 0) return true;
    previous = signature;
    pos = eol + 2 + size + 2;
  }
}
