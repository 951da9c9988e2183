import { isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import { S3Error, S3Errors } from "../storage/s3/errors.js";
import { checkPresignedExpiry, sendS3Error } from "./rest-xml.js";
import { AuthErrors, AwsError } from "./errors.js";
import { sendAwsError, type JsonService } from "./json.js";
import { preflight, responseCors, type BucketCors } from "./cors.js";
import { emulatedAwsHost } from "./aws-hosts.js";
import {
  formatAmzDate,
  headerMap,
  KnownCredentials,
  MAX_SKEW_MS,
  parseAmzDate,
  parseAuthentication,
  queryPairs,
  s3PayloadHash,
  sha256Hex,
  verifyChunkSignatures,
  verifySignature,
  EMPTY_SHA256,
  type Authentication,
  type Caller,
  type Credential,
  type MalformedAuthentication,
  type WireRequest,
} from "./sigv4.js";

/**
 * The request policy of a dev server on a developer's machine, one ordered chain at the front of
 * the gateway (as LocalStack's handler chain), before any service runs:
 *
 *   1. checkHost         the Host is a loopback name, an IP address, the address rekognito binds,
 *                        or one the user allows: a DNS-rebinding page names its own host.
 *   2. checkOrigin       a browser's Origin is loopback (any port) or allowed by the user; a
 *                        cross-site request that hides its Origin is refused too.
 *   3. answerPreflight   CORS, decided here once (cors.ts): allowed origins get their own origin
 *                        echoed; S3 buckets with CORS rules decide by them.
 *   4. requireSignature  what needs a signature on AWS needs one here (an Authorization header,
 *                        or presigned query parameters for S3 only): no simple cross-site request
 *                        reaches Lambda, DynamoDB, Rekognition, SES or Cognito's admin actions.
 *   5. verifySignature   SigV4 checked against the keys rekognito knows (sigv4.ts); the result is
 *                        `request.caller`, which the services read (S3's bucket policies).
 *
 * Steps 1-4 run when the request arrives (onRequest: nothing is read of a refused body); step 5
 * once the body is there (preValidation: JSON services sign their body's hash).
 */
/** How a destination writes its errors. */
export type Wire = "json" | "rest-json" | "s3" | "plain";

/** Which service a request is for, as the gateway routes it, and what it needs of a signature. */
export interface Destination {
  service: string;
  wire: Wire;
  /**
   * "required": AWS needs SigV4 (MissingAuthenticationToken without); "anonymous": S3, where a
   * request with no signature is anonymous (its bucket policies decide); "none": public (Cognito's
   * unauthenticated actions, JWKS, rekognito's own routes).
   */
  signature: "required" | "anonymous" | "none";
}

export interface RequestPolicyOptions {
  clock: Clock;
  /** The address the stack binds: its name is an allowed Host when it is not a wildcard (0.0.0.0, ::). */
  bindHost?: string;
  /** More Host names to serve (--allow-host): exact names, `*.suffix`, or `*` for any. */
  allowHosts?: readonly string[];
  /** More browser origins to serve (--allow-origin): `https://app.example.com`, `https://*.example.com`, `*`. */
  allowOrigins?: readonly string[];
  /** Keys to verify signatures with, besides the well-known test pairs. */
  credentials?: readonly Credential[];
  /** Refuse keys rekognito does not know, and requests signed more than 15 minutes off its clock. */
  strictCredentials?: boolean;
  /** Check no signature and serve anonymous S3 requests as signed ones (rekognito before 0.2). */
  acceptAnyCredentials?: boolean;
}

/** A refusal, written in the wire of the destination: AWS's error for it, or S3's. */
export type Denial = (wire: Wire) => AwsError | S3Error;

/** What a request's Host header names: lower-cased, without its port or IPv6 brackets. */
export function hostnameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]") > 0 ? host.indexOf("]") : undefined);
  const colon = host.lastIndexOf(":");
  return colon >= 0 && host.indexOf(":") === colon ? host.slice(0, colon) : host;
}

/** localhost and its subdomains (S3's bucket.localhost), 127.0.0.0/8 and ::1. */
export function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(h);
}

/** S3-style patterns: `*` stands for any run of characters, case-insensitive, whole string. */
function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(value);
}

export class RequestPolicy {
  readonly credentials: KnownCredentials;
  private readonly allowHosts: string[];
  private readonly allowOrigins: string[];

  constructor(readonly options: RequestPolicyOptions) {
    this.credentials = new KnownCredentials(options.credentials ?? []);
    this.allowHosts = (options.allowHosts ?? []).map((h) => (h === "*" || h.startsWith("*.") ? h : hostnameOf(h))).filter(Boolean);
    const bind = options.bindHost ? hostnameOf(options.bindHost) : "";
    if (bind && bind !== "0.0.0.0" && bind !== "::") this.allowHosts.push(bind);
    this.allowOrigins = (options.allowOrigins ?? []).map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean);
    if (options.strictCredentials && options.acceptAnyCredentials) {
      throw new Error("--strict-credentials and --accept-any-credentials contradict each other: choose one");
    }
  }

  /** Step 1. A missing Host is no browser's (HTTP/1.0 tools): there is nothing to rebind. */
  checkHost(hostHeader: string | undefined): Denial | undefined {
    if (hostHeader === undefined || hostHeader === "") return undefined;
    const name = hostnameOf(hostHeader);
    // An IP address cannot be a rebound name: DNS rebinding needs the attacker's own host name.
    if (isLoopbackName(name) || isIP(name) !== 0) return undefined;
    // Nor can AWS's own names: an emulated service's endpoint is what a Lambda function's
    // environment sends here when its SDK ignores AWS_ENDPOINT_URL (server/protocol/aws-hosts.ts).
    if (emulatedAwsHost(name)) return undefined;
    if (this.allowHosts.some((p) => (p.startsWith("*.") ? name.endsWith(p.slice(1)) : matchesPattern(p, name)))) return undefined;
    const message =
      `rekognito refused this request: its Host header "${hostHeader}" is not a loopback name (localhost, *.localhost, 127.0.0.1, [::1]), ` +
      `an IP address, the address rekognito listens on, or a host allowed with --allow-host (REKOGNITO_ALLOW_HOSTS). ` +
      `This protects the dev server from DNS rebinding: a web page whose own name resolves to this machine.`;
    return refusal(message);
  }

  /** True for a loopback origin (http or https, any port) or one the user allows. */
  allowsOrigin(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return this.allowOrigins.some((p) => p === origin || p === "*");
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    if ((url.protocol === "http:" || url.protocol === "https:") && isLoopbackName(hostname)) return true;
    const normalized = `${url.protocol}//${url.host}`.toLowerCase();
    return this.allowOrigins.some((p) => matchesPattern(p, normalized) || matchesPattern(p, origin));
  }

  /**
   * Step 2. The browser origin of a request: its Origin header; with none but Sec-Fetch-Site:
   * cross-site (an <img>, a link), its Referer's origin, and refused when it has none either.
   * `origin` undefined: not a cross-origin browser request (SDKs, the CLI, curl, same-site pages).
   */
  checkOrigin(headers: Record<string, string | string[] | undefined>): { origin: string | undefined } | Denial {
    const header = headers["origin"];
    let origin = Array.isArray(header) ? header[0] : header;
    if (origin === undefined && headers["sec-fetch-site"] === "cross-site") {
      const referer = headers["referer"];
      try {
        origin = typeof referer === "string" && referer ? new URL(referer).origin : undefined;
      } catch {
        origin = undefined;
      }
      if (origin === undefined) {
        return refusal(
          "rekognito refused a cross-site browser request that names no Origin (Sec-Fetch-Site: cross-site). " +
            "Pages on loopback origins and on origins allowed with --allow-origin (REKOGNITO_ALLOW_ORIGINS) may call it.",
        );
      }
    }
    if (origin === undefined) return { origin: undefined };
    if (this.allowsOrigin(origin)) return { origin };
    return refusal(
      `rekognito refused this request from the web page at ${origin}: a browser may call this dev server only from a ` +
        `loopback origin (http://localhost or http://127.0.0.1, any port) or an origin allowed with --allow-origin ` +
        `(REKOGNITO_ALLOW_ORIGINS).`,
    );
  }

  /** Step 4: a destination that needs a signature refuses a request that carries none. */
  requireSignature(destination: Destination, auth: Authentication): Denial | undefined {
    if (destination.signature !== "required") return undefined;
    if (this.effective(destination, auth).kind === "none") return (wire) => AuthErrors.missing(wire === "rest-json");
    return undefined;
  }

  /**
   * Step 5: who signed the request, and whether the signature holds. `body`: the request's bytes
   * (the JSON services sign their hash; S3 signs x-amz-content-sha256 and its chunks).
   */
  verifySignature(destination: Destination, request: WireRequest, auth: Authentication, body: Buffer | undefined): { caller: Caller } | Denial {
    const s3 = destination.wire === "s3";
    const rest = destination.wire === "rest-json";
    const effective = this.effective(destination, auth);
    if (s3 && effective.kind !== "none" && effective.via === "query") {
      // Expiry by the stack's clock, whoever signed (an unknown key's URL expires too, as before).
      const query: Record<string, string> = {};
      for (const [k, v] of queryPairs(request.url)) if (!(k in query)) query[k] = v;
      try {
        checkPresignedExpiry(query, this.options.clock.now());
      } catch (error) {
        if (error instanceof S3Error) return () => error;
        throw error;
      }
    }
    if (destination.wire === "plain") {
      // rekognito's own routes (health, mailbox, JWKS) are public: a signature there is not checked.
      if (effective.kind === "sigv4" || effective.kind === "uncheckable") {
        const signatureVersion = effective.kind === "sigv4" ? "AWS4-HMAC-SHA256" : effective.form === "SigV2" ? "AWS" : "AWS4-ECDSA-P256-SHA256";
        return { caller: { kind: "signed", accessKeyId: effective.accessKeyId, verified: false, region: effective.region, service: effective.service, via: effective.via, signatureVersion } };
      }
      return { caller: { kind: "anonymous", trusted: false } };
    }
    switch (effective.kind) {
      case "none":
        if (destination.signature === "required") return (wire) => AuthErrors.missing(wire === "rest-json");
        return { caller: { kind: "anonymous", trusted: !!this.options.acceptAnyCredentials } };
      case "malformed": {
        if (destination.signature === "none" && !s3) return { caller: { kind: "anonymous", trusted: false } };
        // A key rekognito does not know is accepted unchecked (unless strict), so an incomplete
        // signature made with one is too, as before: only known keys' signatures are held to AWS's form.
        const id = effective.accessKeyId;
        if (id && effective.problem !== "algorithm" && !this.options.strictCredentials && (this.options.acceptAnyCredentials || !this.credentials.secretOf(id))) {
          const scope = effective.credential?.split("/") ?? [];
          return { caller: { kind: "signed", accessKeyId: id, verified: false, region: scope[2] ?? null, service: scope[3] ?? null, via: effective.via, signatureVersion: "AWS4-HMAC-SHA256" } };
        }
        return malformed(effective);
      }
      case "uncheckable": {
        if (this.options.strictCredentials && !this.credentials.secretOf(effective.accessKeyId)) return unknownKey(effective.accessKeyId);
        const signatureVersion = effective.form === "SigV2" ? "AWS" : "AWS4-ECDSA-P256-SHA256";
        return { caller: { kind: "signed", accessKeyId: effective.accessKeyId, verified: false, region: effective.region, service: effective.service, via: effective.via, signatureVersion } };
      }
      case "sigv4":
        break;
    }
    const auth4 = effective;
    const caller = (verified: boolean): { caller: Caller } => ({
      caller: { kind: "signed", accessKeyId: auth4.accessKeyId, verified, region: auth4.region, service: auth4.service, via: auth4.via, signatureVersion: "AWS4-HMAC-SHA256" },
    });
    if (this.options.acceptAnyCredentials) return caller(false);
    const secret = this.credentials.secretOf(auth4.accessKeyId);
    if (secret === undefined) return this.options.strictCredentials ? unknownKey(auth4.accessKeyId) : caller(false);
    if (this.options.strictCredentials && auth4.via === "header") {
      // Only in strict mode: tests that move a ManualClock far from real time still sign with
      // the real time, and a local server has no reason to refuse a laptop's drifting clock.
      const now = this.options.clock.now();
      const signedAt = parseAmzDate(auth4.amzDate)!;
      if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
        const late = signedAt < now;
        const bound = formatAmzDate(late ? now - MAX_SKEW_MS : now + MAX_SKEW_MS);
        return (wire) =>
          wire === "s3"
            ? S3Errors.requestTimeTooSkewed(auth4.amzDate, formatAmzDate(now))
            : AuthErrors.skewed(auth4.amzDate, formatAmzDate(now), bound, late, wire === "rest-json");
      }
    }
    const payloadHash = s3 ? s3PayloadHash(request, auth4) : body && body.length ? sha256Hex(body) : EMPTY_SHA256;
    if (payloadHash === undefined) return () => S3Errors.invalidRequest("Missing required header for this request: x-amz-content-sha256");
    const result = verifySignature(request, auth4, secret, payloadHash);
    if (!result.ok) {
      return (wire) =>
        wire === "s3"
          ? S3Errors.signatureDoesNotMatch(auth4.accessKeyId, result.stringToSign, auth4.signature, result.canonicalRequest)
          : AuthErrors.invalidSignature(rest, result.canonicalRequest, result.stringToSign);
    }
    if (s3 && payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") && body && !verifyChunkSignatures(body, auth4, result.signingKey)) {
      return () => S3Errors.signatureDoesNotMatch(auth4.accessKeyId, "(a chunk signature of the aws-chunked body)", auth4.signature, "");
    }
    return caller(true);
  }

  /**
   * The authentication that counts for this destination: presigned query parameters are S3's
   * only (elsewhere they are no signature at all); an Authorization header that is not AWS's is
   * none for the JSON and REST services.
   */
  private effective(destination: Destination, auth: Authentication): Authentication {
    if (auth.kind === "none" || destination.wire === "s3") return auth;
    if (auth.via === "query") return { kind: "none" };
    if (auth.kind === "malformed" && auth.problem === "algorithm") return { kind: "none" };
    return auth;
  }
}

function refusal(message: string): Denial {
  return (wire) => (wire === "s3" ? S3Errors.refused(message) : AuthErrors.refused(message));
}

function unknownKey(accessKeyId: string): Denial {
  return (wire) => (wire === "s3" ? S3Errors.invalidAccessKeyId(accessKeyId) : AuthErrors.unrecognizedClient(wire === "rest-json"));
}

const CREDENTIAL_FORM = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`;

/** A signature that is there but incomplete, in each wire's words. */
function malformed(auth: MalformedAuthentication): Denial {
  return (wire) => {
    const rest = wire === "rest-json";
    if (wire === "s3") {
      const query = auth.via === "query";
      const q = (message: string) => S3Errors.authorizationQueryParameters(message);
      switch (auth.problem) {
        case "algorithm":
          return query ? q('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"') : S3Errors.unsupportedAuthorization(auth.raw.split(" ", 1)[0]!);
        case "credential":
          return query ? q(`Error parsing the X-Amz-Credential parameter; ${CREDENTIAL_FORM}`) : S3Errors.authorizationHeaderMalformed(CREDENTIAL_FORM);
        case "date":
          return query ? q(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`) : S3Errors.missingDate();
        case "expires":
          return q("X-Amz-Expires must be less than a week (in seconds) that is 604800");
        case "scope-date":
          return query
            ? q("Invalid credential date. Date is not the same as X-Amz-Date.")
            : S3Errors.authorizationHeaderMalformed("Invalid credential date. Date is not the same as X-Amz-Date.");
      }
      if (query) {
        return q(
          "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        );
      }
      if (auth.missing.length === 1 && auth.missing[0] === "date") return S3Errors.missingDate();
      return S3Errors.authorizationHeaderMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.");
    }
    switch (auth.problem) {
      case "credential":
        return AuthErrors.incomplete(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${auth.credential ?? ""}'`, rest);
      case "date":
        return AuthErrors.incomplete(`Date must be in ISO-8601 'basic format'. Got '${auth.amzDate ?? ""}'. See http://en.wikipedia.org/wiki/ISO_8601`, rest);
      case "scope-date":
        return AuthErrors.scopeDate(auth.credential?.split("/")[1] ?? "", auth.amzDate ?? "", rest);
      default: {
        const parts = auth.missing.map((p) =>
          p === "date" ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." : `Authorization header requires '${p}' parameter.`,
        );
        return AuthErrors.incomplete(`${parts.join(" ")} Authorization=${auth.raw}`, rest);
      }
    }
  };
}

// ------------------------------------------------------------------ where a request goes

/** What the classification needs of the gateway: its JSON services' models, and S3's claim on `POST /`. */
export interface GatewayRoutes {
  /** The JSON service whose target prefix this is (DynamoDB's, a proxy, is none). */
  jsonService(targetPrefix: string): JsonService | undefined;
  claimsS3(request: FastifyRequest): boolean;
}

/** S3's routes (rest-xml.ts registerS3Routes): path style and the service root. */
const S3_ROUTES = new Set(["/", "/:bucket", "/:bucket/*"]);

/**
 * Which service a request is for (LocalStack's ServiceNameParser), from the route Fastify matched
 * and, on `POST /`, the X-Amz-Target: Lambda's dated REST paths, SES's /v2/email, the JSON
 * services by target prefix (Cognito's operations whose botocore model says `authtype: none` are
 * public), S3's routes, and rekognito's own public routes (/_rekognito/*, the pools' JWKS).
 */
export function destinationOf(request: FastifyRequest, routes: GatewayRoutes): Destination {
  const route = request.routeOptions.url ?? "";
  const path = (request.raw.url ?? request.url).split("?", 1)[0]!;
  if (path.startsWith("/_rekognito/")) return { service: "rekognito", wire: "plain", signature: "none" };
  if (route.includes("/.well-known/")) return { service: "cognito-idp", wire: "plain", signature: "none" };
  // Lambda's dated API versions, as its one route matches them (server/protocol/rest-routes.ts);
  // a bucket named like a date is S3's.
  if (/^\/\d{4}-\d{2}-\d{2}\//.test(path) && !S3_ROUTES.has(route)) return { service: "lambda", wire: "rest-json", signature: "required" };
  if (route.startsWith("/v2/email/")) return { service: "ses", wire: "rest-json", signature: "required" };
  if (route === "/" && request.method === "POST") {
    const target = request.headers["x-amz-target"];
    if (typeof target === "string") {
      const dot = target.lastIndexOf(".");
      const prefix = dot > 0 ? target.slice(0, dot) : target;
      const action = dot > 0 ? target.slice(dot + 1) : "";
      const service = routes.jsonService(prefix);
      const operation = service && Object.hasOwn(service.model.operations, action) ? service.model.operations[action] : undefined;
      return { service: service?.name ?? prefix, wire: "json", signature: operation?.authtype === "none" ? "none" : "required" };
    }
    // Neither a JSON target nor S3: the gateway answers UnknownOperationException.
    if (!routes.claimsS3(request)) return { service: "gateway", wire: "json", signature: "none" };
  }
  if (S3_ROUTES.has(route)) return { service: "s3", wire: "s3", signature: "anonymous" };
  return { service: "gateway", wire: "plain", signature: "none" };
}

// ------------------------------------------------------------------ wiring into Fastify

/** What the policy needs to know of the stack: where a request goes, and S3 buckets' CORS rules. */
export interface PolicyStack {
  destinationOf(request: FastifyRequest): Destination;
  bucketCors(request: FastifyRequest): BucketCors | undefined;
  /** A request id for a JSON/REST error; S3 makes its own. */
  requestId(): string;
  s3Ids(): { requestId: string; hostId: string };
}

interface PolicyState {
  destination: Destination;
  auth: Authentication;
  wire: WireRequest;
  /** The CORS headers of the answer (an allowed origin's), applied as it is sent. */
  cors: Record<string, string> | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent the request (server/protocol/sigv4.ts), set by the request policy before any service runs. */
    caller: Caller;
    requestPolicy: PolicyState | null;
  }
}

export function sendDenial(request: FastifyRequest, reply: FastifyReply, wire: Wire, denial: Denial, stack: PolicyStack): FastifyReply {
  const error = denial(wire);
  if (error instanceof S3Error) return sendS3Error(request, reply, error, stack.s3Ids());
  if (wire === "json") return sendAwsError(reply, error, stack.requestId());
  // REST-JSON (Lambda, SES) and rekognito's own routes: {"message"} with the type in a header.
  return reply
    .code(error.status)
    .header("content-type", "application/json")
    .header("x-amzn-requestid", stack.requestId())
    .header("x-amzn-errortype", error.type)
    .send(JSON.stringify({ message: error.message }));
}

/**
 * Installs the chain on the Fastify instance, before any service's routes answer: onRequest for
 * steps 1-4, preValidation for step 5, onSend to put the CORS decision on every answer.
 */
export function registerRequestPolicy(fastify: FastifyInstance, policy: RequestPolicy, stack: PolicyStack): void {
  fastify.decorateRequest("caller", null as never);
  fastify.decorateRequest("requestPolicy", null);

  // Callback hooks, not async ones: each async hook costs every request a promise and a turn of
  // the microtask queue. A hook that answers (a refusal, a preflight) does not call `done`.
  fastify.addHook("onRequest", (request, reply, done) => {
    const destination = stack.destinationOf(request);
    const deny = (denial: Denial) => {
      request.awsLog = { service: destination.service, action: "RequestPolicy" };
      sendDenial(request, reply, destination.wire, denial, stack);
    };
    const hostDenial = policy.checkHost(request.headers.host);
    if (hostDenial) return deny(hostDenial);
    const origin = policy.checkOrigin(request.headers);
    if (typeof origin === "function") return deny(origin);

    const bucket = destination.wire === "s3" ? stack.bucketCors(request) : undefined;
    const isPreflight = request.method === "OPTIONS" && (destination.wire === "s3" || (origin.origin !== undefined && request.headers["access-control-request-method"] !== undefined));
    if (isPreflight) {
      // S3 has no OPTIONS operation but the preflight: every OPTIONS to it is answered here.
      request.awsLog = { service: destination.service, action: "PreflightRequest" };
      // S3 answers an accepted preflight 200; the gateway's own answer (the JSON services on `/`) is 204.
      const answer = preflight(origin.origin, request.headers, bucket, destination.wire === "s3" && request.routeOptions.url !== "/" ? 200 : 204);
      if ("refused" in answer) sendS3Error(request, reply, answer.refused, stack.s3Ids());
      else reply.code(answer.status).headers(answer.headers).send();
      return;
    }
    const wire: WireRequest = { method: request.method, url: request.raw.url ?? request.url, headers: headerMap(request.raw.rawHeaders) };
    const auth = parseAuthentication(wire);
    const cors = origin.origin !== undefined ? responseCors(origin.origin, request.method, bucket) : undefined;
    request.requestPolicy = { destination, auth, wire, cors };
    const missing = policy.requireSignature(destination, auth);
    if (missing) return deny(missing);
    done();
  });

  fastify.addHook("preValidation", (request, reply, done) => {
    const state = request.requestPolicy;
    if (!state) return done();
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const outcome = policy.verifySignature(state.destination, state.wire, state.auth, body);
    if (typeof outcome === "function") {
      request.awsLog = { service: state.destination.service, action: "RequestPolicy" };
      sendDenial(request, reply, state.destination.wire, outcome, stack);
      return;
    }
    request.caller = outcome.caller;
    done();
  });

  fastify.addHook("onSend", (request, reply, payload, done) => {
    const cors = request.requestPolicy?.cors;
    if (cors) {
      for (const [name, value] of Object.entries(cors)) {
        if (name === "vary") {
          const existing = reply.getHeader("vary");
          reply.header("vary", existing ? `${String(existing)}, ${value}` : value);
        } else reply.header(name, value);
      }
    }
    done(null, payload);
  });
}
