import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

/**
 * The additional checksums S3 accepts and returns (x-amz-checksum-<algorithm>), each the
 * base64 of the big-endian digest, as the SDKs compute them. CRC32 comes from node:zlib
 * (Node ≥ 20.15); CRC32C and CRC64NVME are table-driven here.
 */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-64/NVME (reflected, poly 0x9a6c9329ac4bc9b5) as two 32-bit halves per table entry. */
const CRC64_TABLE = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const lsb = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (lsb) {
        h = (h ^ polyHi) >>> 0;
        l = (l ^ polyLo) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

function crc32c(data: Buffer): Buffer {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out;
}

function crc64nvme(data: Buffer): Buffer {
  let h = 0xffffffff;
  let l = 0xffffffff;
  const { hi, lo } = CRC64_TABLE;
  for (let i = 0; i < data.length; i++) {
    const idx = (l ^ data[i]!) & 0xff;
    l = ((l >>> 8) | ((h & 0xff) << 24)) ^ lo[idx]!;
    h = (h >>> 8) ^ hi[idx]!;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
  return out;
}

/** The checksum of `data` as S3 writes it in x-amz-checksum-<algorithm>: base64. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  switch (algorithm) {
    case "CRC32": {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(zlibCrc32(data) >>> 0);
      return out.toString("base64");
    }
    case "CRC32C":
      return crc32c(data).toString("base64");
    case "CRC64NVME":
      return crc64nvme(data).toString("base64");
    case "SHA1":
      return createHash("sha1").update(data).digest("base64");
    case "SHA256":
      return createHash("sha256").update(data).digest("base64");
  }
}

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

export function md5Base64(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}

/** "crc32" / "x-amz-checksum-crc32" → "CRC32", or undefined when it is no algorithm S3 knows. */
export function checksumAlgorithmOf(name: string): ChecksumAlgorithm | undefined {
  const upper = name.replace(/^x-amz-checksum-/i, "").toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}
