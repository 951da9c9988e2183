import { createHash, createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { canonicalRequest, formatAmzDate, sha256Hex, signingKey, stringToSign, ALGORITHM, type SigV4Authentication } from "../protocol/sigv4.js";

/**
 * The stack's own AWS APIs called as a client calls them (the same wire requests, signed with
 * the test pair, through the request policy, the model's validation and the request log), but
 * handed to the stack's Fastify instance in-process (`inject`) rather than sent over a loopback
 * socket: provisioning the face-login app is ~45 such calls, and the AWS SDK's four clients cost
 * more to load (~150 ms) than the calls themselves. A target that is only an endpoint (another
 * process) is reached over HTTP with the same requests.
 *
 * Errors: an answer that is not 2xx throws a StackCallError named after the AWS error type, with
 * the status, as the SDK's exceptions are (`error.name === "ResourceNotFoundException"`).
 */

export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

export interface WireCall {
  method: string;
  /** Path (percent-encoded) and query. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type Transport = (call: WireCall) => Promise<WireAnswer>;

/** The stack's Fastify instance answers, in this process. */
export function injectTransport(fastify: Pick<FastifyInstance, "inject">): Transport {
  return async (call) => {
    const answer = await fastify.inject({ method: call.method as "GET", url: call.url, headers: call.headers, payload: call.body });
    return { status: answer.statusCode, headers: answer.headers, body: answer.rawPayload };
  };
}

/** Over HTTP, to a stack in another process. */
export function httpTransport(endpoint: string): Transport {
  return async (call) => {
    const { host: _host, ...headers } = call.headers;
    const response = await fetch(`${endpoint}${call.url}`, {
      method: call.method,
      headers,
      ...(call.body.length ? { body: new Uint8Array(call.body) } : {}),
    });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) };
  };
}

/** A stack as the provisioner and the seeding reach it: its endpoint, and its services when they are in this process. */
export interface StackTarget {
  endpoint: string;
  app?: { fastify?: Pick<FastifyInstance, "inject">; core?: { clock?: { now(): number } } };
}

/** A client of the stack: in-process when its services are here, over HTTP to its endpoint otherwise. */
export function stackClient(target: StackTarget, region: string): StackClient {
  // Read at each call: a reset or restore builds the stack's services anew (Stack.app is a getter).
  const http = httpTransport(target.endpoint);
  return new StackClient({
    transport: (call) => {
      const fastify = target.app?.fastify;
      return fastify ? injectTransport(fastify)(call) : http(call);
    },
    host: new URL(target.endpoint).host,
    region,
    now: () => target.app?.core?.clock?.now() ?? Date.now(),
  });
}

export class StackCallError extends Error {
  constructor(
    /** The AWS error type (`ResourceNotFoundException`, S3's `NoSuchBucket`; `NotFound` for a bodiless 404). */
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The well-known test pair: rekognito verifies its signatures, under --strict-credentials too. */
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export interface StackClientOptions {
  transport: Transport;
  /** The Host the requests name (the endpoint's `127.0.0.1:4566`): a loopback name the request policy accepts. */
  host: string;
  region: string;
  /** The stack's time, in ms: signatures are dated by it (--strict-credentials refuses 15 minutes of skew). */
  now: () => number;
}

const xmlEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * An S3 XML document from a plain object: arrays repeat their element (S3's flattened lists),
 * objects nest, undefined is left out.
 */
export function xmlDocument(root: string, value: Record<string, unknown>): string {
  const element = (name: string, v: unknown): string => {
    if (v === undefined || v === null) return "";
    if (Array.isArray(v)) return v.map((item) => element(name, item)).join("");
    if (typeof v === "object") return `<${name}>${Object.entries(v as Record<string, unknown>).map(([k, inner]) => element(k, inner)).join("")}</${name}>`;
    return `<${name}>${xmlEscape(String(v))}</${name}>`;
  };
  const inner = Object.entries(value).map(([k, v]) => element(k, v)).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

export class StackClient {
  constructor(private readonly options: StackClientOptions) {}

  get region(): string {
    return this.options.region;
  }

  /** A JSON-protocol action (Cognito, DynamoDB): `POST /` with X-Amz-Target. */
  async json<T = Record<string, any>>(service: "cognito-idp" | "dynamodb", action: string, input: object): Promise<T> {
    const [prefix, version] = service === "dynamodb" ? ["DynamoDB_20120810", "1.0"] : ["AWSCognitoIdentityProviderService", "1.1"];
    const answer = await this.send(service, "POST", "/", { "content-type": `application/x-amz-json-${version}`, "x-amz-target": `${prefix}.${action}` }, JSON.stringify(input));
    if (answer.status >= 300) throw jsonError(answer);
    return (answer.body.length ? JSON.parse(answer.body.toString("utf8")) : {}) as T;
  }

  /** A Lambda REST-JSON action: `path` under /2015-03-31/, the input's body members as JSON (or a raw payload). */
  async lambda<T = Record<string, any>>(method: string, path: string, body?: object | Buffer, headers: Record<string, string> = {}): Promise<{ output: T; headers: WireAnswer["headers"]; raw: Buffer }> {
    const payload = body === undefined ? "" : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const answer = await this.send("lambda", method, `/2015-03-31${path}`, { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, payload);
    if (answer.status >= 300) throw jsonError(answer);
    const isJson = String(answer.headers["content-type"] ?? "").includes("json");
    return { output: (isJson && answer.body.length ? JSON.parse(answer.body.toString("utf8")) : {}) as T, headers: answer.headers, raw: answer.body };
  }

  /** An S3 REST-XML action on a bucket, path-style: `subresource` is the query (`cors`, `policy`...). */
  async s3(method: string, bucket: string, subresource?: string, body?: string): Promise<WireAnswer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers["content-type"] = subresource === "policy" ? "application/json" : "application/xml";
      // S3 asks for an integrity check of configuration bodies.
      headers["content-md5"] = createHash("md5").update(body).digest("base64");
    }
    const answer = await this.send("s3", method, `/${encodeURIComponent(bucket)}${subresource ? `?${subresource}` : ""}`, headers, body ?? "");
    if (answer.status >= 300) throw s3Error(answer);
    return answer;
  }

  /**
   * A request that carries its own authorisation (a presigned URL's query) or needs none
   * (rekognito's own routes): `url` is absolute, its host the Host header.
   */
  unsigned(method: string, url: string, headers: Record<string, string> = {}, body: Buffer = Buffer.alloc(0)): Promise<WireAnswer> {
    const target = new URL(url);
    return this.options.transport({ method, url: `${target.pathname}${target.search}`, headers: { host: target.host, ...headers }, body });
  }

  private send(service: string, method: string, url: string, extra: Record<string, string>, body: string | Buffer): Promise<WireAnswer> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
    const amzDate = formatAmzDate(this.options.now());
    const payloadHash = sha256Hex(bytes);
    const headers: Record<string, string> = { host: this.options.host, "x-amz-date": amzDate, ...extra };
    if (service === "s3") headers["x-amz-content-sha256"] = payloadHash;
    const signedHeaders = Object.keys(headers).sort();
    const auth: SigV4Authentication = {
      kind: "sigv4",
      via: "header",
      accessKeyId: CREDENTIALS.accessKeyId,
      scopeDate: amzDate.slice(0, 8),
      region: this.options.region,
      service,
      signedHeaders,
      signature: "",
      amzDate,
    };
    const wire = { method, url, headers: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])) };
    const canonical = canonicalRequest(wire, auth, payloadHash)!;
    const key = signingKey(CREDENTIALS.secretAccessKey, auth.scopeDate, auth.region, service);
    const signature = createHmac("sha256", key).update(stringToSign(auth, canonical)).digest("hex");
    headers.authorization = `${ALGORITHM} Credential=${CREDENTIALS.accessKeyId}/${auth.scopeDate}/${auth.region}/${service}/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
    return this.options.transport({ method, url, headers, body: bytes });
  }
}

/** JSON services' errors: `{"__type": "prefix#Type", "message"}`, or the type in x-amzn-errortype (Lambda). */
function jsonError(answer: WireAnswer): StackCallError {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(answer.body.toString("utf8")) as typeof parsed;
  } catch {
    // not JSON: the status alone says it
  }
  const header = String(answer.headers["x-amzn-errortype"] ?? "").split(":")[0];
  const type = (parsed.__type ?? header ?? "").split("#").pop() || `Http${answer.status}`;
  return new StackCallError(type, parsed.message ?? parsed.Message ?? `${type} (${answer.status})`, answer.status);
}

/** S3's errors: `<Error><Code>…</Code><Message>…</Message></Error>`, or no body at all (HEAD). */
function s3Error(answer: WireAnswer): StackCallError {
  const text = answer.body.toString("utf8");
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (answer.status === 404 ? "NotFound" : `Http${answer.status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? code;
  return new StackCallError(code, message, answer.status);
}
