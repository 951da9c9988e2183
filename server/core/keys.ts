import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";

/**
 * Where signing keys come from, injected like the clock and the ids: each user pool gets a
 * fresh RSA key pair at creation (never a key shipped in the package). Tests may inject a
 * generator that hands out keys they made, to be reproducible or to save the generation time.
 */
export interface KeyGenerator {
  /** A new 2048-bit RSA key pair. */
  rsa(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
}

export const cryptoKeys: KeyGenerator = {
  // Off the event loop: a 2048-bit key takes tens of milliseconds to a few hundred.
  rsa: () => promisify(generateKeyPair)("rsa", { modulusLength: 2048 }),
};

/**
 * Keys as `base` makes them, the first one started at once: for a start about to create a user
 * pool (the CLI's first start, which provisions one), so that its CreateUserPool takes a key
 * generated meanwhile on libuv's thread pool (the code loading, the buckets and functions being
 * made) instead of waiting ~0.1-0.4 s for one. Each key is still a fresh one, used once.
 */
export function keysGeneratedAhead(base: KeyGenerator = cryptoKeys): KeyGenerator {
  let ahead: ReturnType<KeyGenerator["rsa"]> | null = base.rsa().catch(() => base.rsa());
  return {
    rsa: () => {
      const key = ahead ?? base.rsa();
      ahead = null;
      return key;
    },
  };
}
