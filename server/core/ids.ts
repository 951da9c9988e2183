import { createHash, randomBytes as cryptoRandomBytes, randomUUID } from "node:crypto";

/** Randomness, injected so that ids, codes and keys are reproducible in tests. */
export interface IdGenerator {
  /** A random UUID v4 string. */
  uuid(): string;
  /** n random bytes. */
  bytes(n: number): Buffer;
}

export const cryptoIds: IdGenerator = {
  uuid: () => randomUUID(),
  bytes: (n) => cryptoRandomBytes(n),
};

/**
 * A deterministic generator: the same seed gives the same sequence. Bytes come from
 * SHA-256 over (seed, counter); not for production secrets.
 */
export function seededIds(seed: string): IdGenerator {
  let counter = 0;
  const bytes = (n: number): Buffer => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = createHash("sha256").update(`${seed}:${counter++}`).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
  return {
    bytes,
    uuid: () => {
      const b = bytes(16);
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const h = b.toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random string over an alphabet, drawn from the injected generator. */
export function randomString(ids: IdGenerator, length: number, alphabet = ALNUM): string {
  const b = ids.bytes(length);
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[b[i]! % alphabet.length];
  return s;
}
