import { createDiffieHellman, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, getDiffieHellman, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * The server half of Cognito's SRP-6a (USER_SRP_AUTH, CUSTOM_AUTH with SRP_A, USER_AUTH's
 * PASSWORD_SRP), as Amplify and the other AWS clients compute the client half:
 *
 * - the group is the 3072-bit MODP prime of RFC 3526 (group 15, which OpenSSL ships as modp15)
 *   with g = 2, and k = H(N | g);
 * - numbers are hashed as the bytes of Java's BigInteger.toByteArray() (minimal two's
 *   complement: a leading 00 when the top bit is set), which is what "padded hex" means in
 *   AWS's clients;
 * - x = H(salt | H(poolName | userIdForSrp | ":" | password)), where poolName is the part of the
 *   pool id after the underscore; the verifier v = g^x is what the pool keeps instead of x;
 * - B = k·v + g^b, u = H(A | B), S = (A·v^u)^b, and the key is HKDF-SHA256(ikm S, salt u,
 *   info "Caldera Derived Key"), 16 bytes;
 * - PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName | userIdForSrp | SECRET_BLOCK
 *   bytes | TIMESTAMP)).
 *
 * Modular exponentiation goes through OpenSSL's Diffie-Hellman (a base raised to a private key),
 * several times faster than BigInt arithmetic; the few bases OpenSSL refuses (0, 1, N-1) take the
 * BigInt path.
 */

const N_BYTES = getDiffieHellman("modp15").getPrime();
export const N = BigInt(`0x${N_BYTES.toString("hex")}`);
export const g = 2n;
const G_BYTES = Buffer.from([2]);

/** Java's BigInteger.toByteArray() of a non-negative number, as hex. */
export function padHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  return hex;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const hashOfHex = (hex: string) => sha256(Buffer.from(hex, "hex"));
const toBig = (bytes: Buffer) => (bytes.length ? BigInt(`0x${bytes.toString("hex")}`) : 0n);
const bytesOf = (n: bigint) => Buffer.from(padHex(n), "hex");

export const k = toBig(hashOfHex(padHex(N) + padHex(g)));

/**
 * OpenSSL's modular exponentiation, two ways. Node 20 takes a prime given to createDiffieHellman
 * as it is (0.1 ms to make one): one object is kept, and setPrivateKey then computeSecret is
 * base^exp mod N (~0.4-0.8 ms for a 256-bit exponent). Node 22 and later check such a prime for
 * safety each time an object is made (~2 s for this 3072-bit group on a quiet core, 4-8 s on a
 * busy one, measured on Node 24.21), so there the exponent and the base become DH keys of this
 * group in DER, which OpenSSL reads without that check: g^exp is the public key it derives from
 * a private key (~0.9 ms), base^exp the secret a private and a public key agree on (~1.8 ms),
 * against ~5 ms in BigInt.
 */
const OPENSSL_TAKES_THE_PRIME = Number(process.versions.node.split(".")[0]) <= 20;
let opensslGroup: ReturnType<typeof createDiffieHellman> | undefined;

/** base^exp mod N. */
export function modPow(base: bigint, exp: bigint): bigint {
  base %= N;
  if (exp === 0n) return 1n;
  if (base > 1n && base < N - 1n) {
    if (OPENSSL_TAKES_THE_PRIME) {
      opensslGroup ??= createDiffieHellman(N_BYTES, G_BYTES);
      opensslGroup.setPrivateKey(bytesOf(exp));
      return toBig(opensslGroup.computeSecret(bytesOf(base)));
    }
    try {
      if (base === g) return publicValueOf(exp);
      return toBig(diffieHellman({ privateKey: dhPrivateKey(exp), publicKey: dhPublicKey(base) }));
    } catch {
      // An exponent OpenSSL will not take as a private key (none that SRP makes): plain arithmetic.
    }
  }
  return windowedModPow(base, exp);
}

// DER of DH keys in this group (PKCS #3 dhKeyAgreement, 1.2.840.113549.1.3.1): PKCS #8 for a
// private key, SubjectPublicKeyInfo for a public one.
const derLength = (n: number) => (n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]));
const der = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const derInteger = (n: bigint) => der(0x02, bytesOf(n));
const DH_ALGORITHM = der(0x30, Buffer.from("06092a864886f70d010301", "hex"), der(0x30, derInteger(N), derInteger(g)));
const dhPrivateKey = (exp: bigint) => createPrivateKey({ key: der(0x30, derInteger(0n), DH_ALGORITHM, der(0x04, derInteger(exp))), format: "der", type: "pkcs8" });
const dhPublicKey = (y: bigint) => createPublicKey({ key: der(0x30, DH_ALGORITHM, der(0x03, Buffer.from([0]), derInteger(y))), format: "der", type: "spki" });

/** g^exp: the public key OpenSSL derives from exp as a private key, read back from its DER. */
function publicValueOf(exp: bigint): bigint {
  const spki = createPublicKey(dhPrivateKey(exp)).export({ format: "der", type: "spki" });
  // SEQUENCE { SEQUENCE algorithm, BIT STRING { 00, INTEGER y } }
  const outer = derElement(spki, 0);
  const algorithm = derElement(spki, outer.start);
  const bits = derElement(spki, algorithm.end);
  const y = derElement(spki, bits.start + 1);
  return toBig(spki.subarray(y.start, y.end));
}

/** The tag at `at` and where its content starts and ends. */
function derElement(data: Buffer, at: number): { start: number; end: number } {
  let length = data[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + data[start + i]!;
    start += bytes;
  }
  return { start, end: start + length };
}

/** base^exp mod N with 4-bit windows in BigInt (~5 ms for a 256-bit exponent on Node 24). */
function windowedModPow(base: bigint, exp: bigint): bigint {
  const table: bigint[] = [1n, base];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * base) % N);
  const hex = exp.toString(16);
  let result = 1n;
  for (const digit of hex) {
    result = (result * result) % N;
    result = (result * result) % N;
    result = (result * result) % N;
    result = (result * result) % N;
    const d = parseInt(digit, 16);
    if (d) result = (result * table[d]!) % N;
  }
  return result;
}

/** The part of a pool id that SRP hashes: "us-east-1_AbC123xyz" → "AbC123xyz". */
export function srpPoolName(poolId: string): string {
  return poolId.split("_")[1] ?? "";
}

/** The salt and the verifier v = g^x of a password, as hex: what the server's side of SRP works with. */
export interface SrpVerifier {
  salt: string;
  verifier: string;
}

/**
 * What a user record keeps of a password for SRP: the salt with x, or (records written before
 * x was kept) with the verifier. Setting a password keeps x, two hashes, and the verifier is
 * computed from it at the password's first SRP sign-in (verifierOf): SignUp, AdminCreateUser,
 * AdminSetUserPassword and the others no longer wait on a 3072-bit exponentiation for a flow
 * most pools never use (0.4-0.8 ms on Node 20, ~1 ms on Node 24, and 5 ms there before the DER
 * keys above). x is a salted hash of the password, as the USER_PASSWORD_AUTH hash beside it is;
 * whoever reads the data directory holds each pool's signing key too.
 */
export type StoredSrp = SrpVerifier | { salt: string; x: string };

/** x = H(salt | H(poolName | userId ":" password)). */
function privateValue(poolName: string, userId: string, password: string, saltHex: string): bigint {
  const inner = sha256(`${poolName}${userId}:${password}`).toString("hex");
  return toBig(hashOfHex(padHex(BigInt(`0x${saltHex}`)) + inner));
}

/** What a new password keeps for SRP, with a fresh 16-byte salt: the salt and x. */
export function srpSecret(poolName: string, userId: string, password: string, saltBytes: Buffer): StoredSrp {
  const salt = toBig(saltBytes).toString(16);
  return { salt, x: privateValue(poolName, userId, password, salt).toString(16) };
}

/** Makes the verifier of a password, with a fresh 16-byte salt. */
export function makeVerifier(poolName: string, userId: string, password: string, saltBytes: Buffer): SrpVerifier {
  return verifierOf(srpSecret(poolName, userId, password, saltBytes));
}

/** Computed once per record kept (a record is replaced, never changed, when its password changes). */
const verifiers = new WeakMap<object, SrpVerifier>();

/** The verifier of what a record keeps: as kept, or g^x computed at its first use. */
export function verifierOf(stored: StoredSrp): SrpVerifier {
  if ("verifier" in stored) return stored;
  let verifier = verifiers.get(stored);
  if (!verifier) {
    verifier = { salt: stored.salt, verifier: modPow(g, BigInt(`0x${stored.x}`)).toString(16) };
    verifiers.set(stored, verifier);
  }
  return verifier;
}

/** The server's ephemeral pair: b (kept in the session) and B = k·v + g^b (sent as SRP_B). */
export function serverEphemeral(verifier: SrpVerifier, random: Buffer): { b: string; B: string } {
  const v = BigInt(`0x${verifier.verifier}`);
  let b = toBig(random) % N;
  if (b === 0n) b = 1n;
  const B = (k * v + modPow(g, b)) % N;
  return { b: b.toString(16), B: B.toString(16) };
}

/** Parses SRP_A; AWS refuses one that is not hex or is 0 mod N. */
export function parseA(hex: string): bigint | null {
  if (!/^[0-9a-fA-F]{1,2048}$/.test(hex)) return null;
  const A = BigInt(`0x${hex}`);
  return A % N === 0n ? null : A;
}

export interface PasswordClaim {
  poolName: string;
  userId: string;
  A: bigint;
  B: string;
  b: string;
  verifier: SrpVerifier;
  secretBlock: Buffer;
  timestamp: string;
  signature: string;
}

/** The 16-byte key both sides derive. */
export function sharedKey(A: bigint, Bhex: string, bhex: string, verifier: SrpVerifier): Buffer | null {
  const B = BigInt(`0x${Bhex}`);
  const u = toBig(hashOfHex(padHex(A) + padHex(B)));
  if (u === 0n) return null;
  const v = BigInt(`0x${verifier.verifier}`);
  const S = modPow((A * modPow(v, u)) % N, BigInt(`0x${bhex}`));
  return Buffer.from(hkdfSync("sha256", bytesOf(S), bytesOf(u), "Caldera Derived Key", 16));
}

/** PASSWORD_CLAIM_SIGNATURE as the client must have computed it. */
export function claimSignature(key: Buffer, poolName: string, userId: string, secretBlock: Buffer, timestamp: string): Buffer {
  return createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(poolName, "utf8"), Buffer.from(userId, "utf8"), secretBlock, Buffer.from(timestamp, "utf8")]))
    .digest();
}

/** True when the client proved it knows the password behind the verifier. */
export function verifyPasswordClaim(claim: PasswordClaim): boolean {
  const key = sharedKey(claim.A, claim.B, claim.b, claim.verifier);
  if (!key) return false;
  const want = claimSignature(key, claim.poolName, claim.userId, claim.secretBlock, claim.timestamp);
  const given = Buffer.from(claim.signature, "base64");
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * TIMESTAMP as AWS's clients send it: "Tue Mar 3 09:05:07 UTC 2026" (the day not padded).
 * Only the form is checked, not how far it is from the stack's clock: the SDKs sign with the
 * real clock while tests move a ManualClock.
 */
export function isSrpTimestamp(value: string): boolean {
  return /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC \d{4}$/.test(value);
}
