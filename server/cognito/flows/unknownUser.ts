import { createHmac } from "node:crypto";
import type { PoolRecord } from "../store.js";

/**
 * The user name an unknown user gets when the pool signs in by email or phone: a UUID like a
 * real user's `sub`, stable per pool and name (an HMAC under the pool's private key), so that
 * ChallengeParameters.USERNAME does not tell an unknown email from a registered one.
 */
export function unknownUserName(pool: PoolRecord, given: string): string {
  if (!pool.usernameAttributes.length) return given;
  const h = createHmac("sha256", pool.key.privateKeyPem).update(`unknown-user:${given.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
