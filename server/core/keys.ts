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
