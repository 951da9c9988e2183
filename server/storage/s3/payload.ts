import type { S3Request } from "./services.js";
import { S3Errors } from "./errors.js";
import { CHECKSUM_ALGORITHMS, checksumOf, md5Base64, type ChecksumAlgorithm } from "./checksums.js";

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/**
 * Checks a payload against what the client said it is: Content-MD5 and the additional
 * checksum (x-amz-checksum-<alg> as a header or an aws-chunked trailer). Returns the
 * checksum S3 keeps with the object: the one sent, or the one computed when the client
 * named an algorithm (x-amz-sdk-checksum-algorithm) without a value.
 */
export function verifyPayload(req: S3Request): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const md5 = req.headers["content-md5"];
  if (md5 !== undefined) {
    if (Buffer.from(md5, "base64").length !== 16) throw S3Errors.invalidDigest(md5);
    if (md5Base64(req.body) !== md5) throw S3Errors.badDigest("MD5");
  }
  let sent: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const value = req.trailers[name] ?? req.headers[name];
    if (value === undefined) continue;
    if (sent) throw S3Errors.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    if (Buffer.from(value, "base64").length !== DIGEST_BYTES[algorithm]) throw S3Errors.invalidChecksum(algorithm);
    sent = { algorithm, value };
  }
  const named = req.headers["x-amz-sdk-checksum-algorithm"]?.toUpperCase();
  if (named && !(CHECKSUM_ALGORITHMS as readonly string[]).includes(named)) {
    throw S3Errors.invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  }
  if (sent) {
    if (checksumOf(sent.algorithm, req.body) !== sent.value) throw S3Errors.badDigest(sent.algorithm);
    return sent;
  }
  if (named) {
    const algorithm = named as ChecksumAlgorithm;
    return { algorithm, value: checksumOf(algorithm, req.body) };
  }
  return undefined;
}
