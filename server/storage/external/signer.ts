import { createHash, createHmac, type BinaryLike } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";

/** SHA-256 (or its HMAC with a secret) as the SDK's signer wants it, from node:crypto. */
class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBinary(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBinary(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not resettable");
  }
}

function toBinary(data: SourceData): BinaryLike {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface OutgoingRequest {
  method: string;
  /** The external endpoint's base URL. */
  endpoint: URL;
  /** Already URI-encoded path, e.g. /bucket/my%20key */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Buffer;
}

/**
 * Re-signs a request for the external endpoint (LocalStack, moto) with SigV4 as the SDK
 * would, using fixed local credentials: the client signed for rekognito's host, and some
 * emulators route by the credential scope's service.
 */
export class ExternalSigner {
  private readonly signers = new Map<string, SignatureV4>();
  constructor(private readonly credentials = { accessKeyId: "test", secretAccessKey: "test" }) {}

  private signer(service: string, region: string): SignatureV4 {
    const id = `${service}/${region}`;
    let s = this.signers.get(id);
    if (!s) {
      s = new SignatureV4({ service, region, credentials: this.credentials, sha256: NodeSha256, uriEscapePath: service !== "s3" });
      this.signers.set(id, s);
    }
    return s;
  }

  /** The headers to send: the given ones plus host, x-amz-date, authorization (and payload hash). */
  async sign(service: string, region: string, req: OutgoingRequest, signingDate: Date): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...req.headers, host: req.endpoint.host };
    delete headers["authorization"];
    delete headers["x-amz-date"];
    delete headers["x-amz-security-token"];
    const signed = await this.signer(service, region).sign(
      {
        method: req.method,
        protocol: req.endpoint.protocol,
        hostname: req.endpoint.hostname,
        port: req.endpoint.port ? Number(req.endpoint.port) : undefined,
        path: req.path,
        query: req.query,
        headers,
        body: req.body,
      },
      { signingDate },
    );
    return signed.headers as Record<string, string>;
  }
}
