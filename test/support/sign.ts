/**
 * SigV4 for hand-made requests (the fuzz suite, protocol corners): the AWS SDK's own signer with
 * the well-known test pair, so a request is signed exactly as the SDK would sign it.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { TEST_CREDENTIALS } from "./credentials.js";

function bytes(data: unknown): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.alloc(0);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: unknown) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const signers = new Map<string, SignatureV4>();
function signerFor(service: string, region: string): SignatureV4 {
  const key = `${service} ${region}`;
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({
      service,
      region,
      credentials: TEST_CREDENTIALS,
      sha256: NodeSha256 as never,
      // S3 signs the path as sent; every other service escapes it once more.
      uriEscapePath: service !== "s3",
      applyChecksum: service === "s3",
    });
    signers.set(key, signer);
  }
  return signer;
}

export interface UnsignedRequest {
  method: string;
  /** The path as it goes on the wire (already percent-encoded), without the query. */
  path: string;
  query?: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string | Buffer;
  host?: string;
}

/** The request's headers plus `authorization`, `x-amz-date` (and S3's `x-amz-content-sha256`). */
export async function signedHeaders(service: string, request: UnsignedRequest, region = "us-east-1"): Promise<Record<string, string>> {
  const host = request.host ?? "127.0.0.1";
  const headers: Record<string, string> = { ...request.headers, host };
  const body = request.body === undefined ? undefined : bytes(request.body);
  if (service === "s3" && headers["x-amz-content-sha256"] === undefined) {
    headers["x-amz-content-sha256"] = createHash("sha256").update(body ?? Buffer.alloc(0)).digest("hex");
  }
  const signed = await signerFor(service, region).sign({
    method: request.method,
    protocol: "http:",
    hostname: host.replace(/:\d+$/, ""),
    path: request.path,
    query: request.query ?? {},
    headers,
    body,
  });
  return signed.headers as Record<string, string>;
}

/**
 * fetch() signed with the test pair as the SDK signs (SigV4 for s3), for raw S3 requests that
 * must come from the account rather than anonymously. `host` overrides the Host header
 * (virtual-host style).
 */
export async function signedFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {}): Promise<Response> {
  const u = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const host = init.host ?? u.host;
  const headers = await signedHeaders("s3", { method: init.method ?? "GET", path: u.pathname, query, headers: init.headers ?? {}, body: init.body, host });
  const body = typeof init.body === "string" || init.body === undefined ? init.body : new Uint8Array(init.body);
  return fetch(url, { method: init.method ?? "GET", headers, body });
}
