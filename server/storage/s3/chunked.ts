import { S3Errors } from "./errors.js";

/**
 * The `aws-chunked` framing the SDKs use for streamed uploads (x-amz-content-sha256 is
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], …):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n]*\r\n
 *
 * S3 stores only the bytes; the trailers carry the checksum (x-amz-checksum-crc32 …).
 * Signatures are not verified (rekognito accepts any credentials).
 */
export interface DecodedChunks {
  body: Buffer;
  /** Lower-cased trailer names → values, e.g. { "x-amz-checksum-crc32": "…" }. */
  trailers: Record<string, string>;
}

const CRLF = Buffer.from("\r\n");

export function isAwsChunked(headers: Record<string, string | undefined>): boolean {
  const encoding = headers["content-encoding"] ?? "";
  const sha = headers["x-amz-content-sha256"] ?? "";
  return /(^|,)\s*aws-chunked\s*(,|$)/i.test(encoding) || sha.startsWith("STREAMING-");
}

/** The Content-Encoding to store: the header without the aws-chunked transfer coding. */
export function storedContentEncoding(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const rest = header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && s.toLowerCase() !== "aws-chunked");
  return rest.length ? rest.join(", ") : undefined;
}

export function decodeAwsChunked(raw: Buffer, decodedLength?: number): DecodedChunks {
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf(CRLF, pos);
    if (eol < 0) throw S3Errors.incompleteBody();
    const header = raw.subarray(pos, eol).toString("latin1");
    const sizeText = header.split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw S3Errors.incompleteBody();
    const size = parseInt(sizeText, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > raw.length) throw S3Errors.incompleteBody();
    parts.push(raw.subarray(pos, pos + size));
    total += size;
    pos += size;
    if (raw[pos] !== 0x0d || raw[pos + 1] !== 0x0a) throw S3Errors.incompleteBody();
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  while (pos < raw.length) {
    const eol = raw.indexOf(CRLF, pos);
    const line = raw.subarray(pos, eol < 0 ? raw.length : eol).toString("latin1");
    pos = eol < 0 ? raw.length : eol + 2;
    if (!line) break;
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (decodedLength !== undefined && decodedLength !== total) throw S3Errors.incompleteBody();
  return { body: Buffer.concat(parts, total), trailers };
}
