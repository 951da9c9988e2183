import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * SigV4 for hand-made requests (the fuzz suite, protocol corners): the AWS SDK's own signer with
 * the well-known test pair, so a request is signed exactly as the SDK would sign it.
 */
export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

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
