import { createHmac } from "node:crypto";

/**
 * Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), what
 * authenticator apps compute from the SecretCode AssociateSoftwareToken hands out. Time is the
 * stack's clock, so a test computes the code of the moment with totpCode(secret, clock.now()).
 */

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const TOTP_STEP_MS = 30_000;
/** Codes of the step before and after are accepted too: a phone's clock is rarely exact. */
const WINDOW = 1;

export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function fromBase32(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase().replace(/=+$/, "")) {
    const i = BASE32.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = mac[mac.length - 1]! & 15;
  const n = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(n % 1_000_000).padStart(6, "0");
}

/** The code an authenticator app shows at `timeMs` for a base32 secret. */
export function totpCode(secret: string, timeMs: number): string {
  return hotp(fromBase32(secret), Math.floor(timeMs / TOTP_STEP_MS));
}

/**
 * The time step a code belongs to (within one step of now), or null when it is wrong. The
 * caller refuses a step already used, so one code signs in once.
 */
export function totpStep(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = fromBase32(secret);
  const now = Math.floor(nowMs / TOTP_STEP_MS);
  for (let d = -WINDOW; d <= WINDOW; d++) if (hotp(key, now + d) === code) return now + d;
  return null;
}
