import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isSrpTimestamp, makeVerifier, modPow, N, parseA, serverEphemeral, srpPoolName, srpSecret, verifierOf, verifyPasswordClaim } from "../../server/cognito/srp.js";
import { base32, fromBase32, totpCode, totpStep } from "../../server/cognito/totp.js";
import { amplifySrp } from "./amplify-srp.js";

/** The server's SRP-6a against Amplify's own client half, and TOTP against RFC 6238's vectors. */
describe("SRP-6a", () => {
  const poolId = "us-east-1_SrpTest01";
  const userId = "3f1e7a52-1c7e-4c35-9d51-0b6f5a2b8e11";

  async function exchange(password: string, tried: string) {
    const verifier = makeVerifier(srpPoolName(poolId), userId, password, randomBytes(16));
    const { b, B } = serverEphemeral(verifier, randomBytes(32));
    const secretBlock = randomBytes(64);
    const client = await amplifySrp(poolId);
    const challenge = { SALT: verifier.salt, SRP_B: B, SECRET_BLOCK: secretBlock.toString("base64"), USER_ID_FOR_SRP: userId };
    const answer = await client.respond(challenge, tried);
    return verifyPasswordClaim({
      poolName: srpPoolName(poolId),
      userId,
      A: parseA(client.A)!,
      B,
      b,
      verifier,
      secretBlock: Buffer.from(answer.PASSWORD_CLAIM_SECRET_BLOCK!, "base64"),
      timestamp: answer.TIMESTAMP!,
      signature: answer.PASSWORD_CLAIM_SIGNATURE!,
    });
  }

  it("accepts the claim Amplify computes for the right password, and refuses a wrong one", async () => {
    expect(await exchange("Corr3ct-horse!", "Corr3ct-horse!")).toBe(true);
    expect(await exchange("Corr3ct-horse!", "Corr3ct-horse?")).toBe(false);
  });

  it("refuses an SRP_A that is not hex or is 0 mod N, and takes Amplify's TIMESTAMP form only", () => {
    expect(parseA("zz")).toBeNull();
    expect(parseA(N.toString(16))).toBeNull();
    expect(parseA("0")).toBeNull();
    expect(parseA("ab12")).toBe(0xab12n);
    expect(isSrpTimestamp("Tue Mar 3 09:05:07 UTC 2026")).toBe(true);
    expect(isSrpTimestamp("Tue Mar 03 09:05:07 UTC 2026")).toBe(false);
    expect(isSrpTimestamp("2026-03-03T09:05:07Z")).toBe(false);
  });

  it("raises any base, OpenSSL's refused ones included, as plain arithmetic does", () => {
    const slow = (b: bigint, e: bigint) => {
      let r = 1n;
      for (let i = 0n; i < e; i++) r = (r * b) % N;
      return r;
    };
    for (const base of [0n, 1n, 2n, N - 1n, N - 2n, 12345678901234567890n]) expect(modPow(base, 37n)).toBe(slow(base, 37n));
  });

  // What SRP raises: g and other bases to 256-bit exponents (x, u, b), through OpenSSL's two
  // ways (Node 20's DiffieHellman object, later Nodes' DER keys), against square-and-multiply.
  const squareAndMultiply = (base: bigint, exp: bigint) => {
    let result = 1n;
    for (base %= N; exp > 0n; exp >>= 1n, base = (base * base) % N) if (exp & 1n) result = (result * base) % N;
    return result;
  };
  const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString("hex")}`);

  it("raises g and any other base to SRP's 256-bit exponents as square-and-multiply does", () => {
    for (let i = 0; i < 4; i++) {
      const exp = random(32);
      expect(modPow(2n, exp)).toBe(squareAndMultiply(2n, exp));
      const base = random(384) % N;
      expect(modPow(base, exp)).toBe(squareAndMultiply(base, exp));
    }
    // An exponent with its top bit set, one as wide as N, and a base wider than N.
    const wide = (1n << 255n) | 1n;
    expect(modPow(3n, wide)).toBe(squareAndMultiply(3n, wide));
    expect(modPow(5n, N - 2n)).toBe(squareAndMultiply(5n, N - 2n));
    expect(modPow(N + 7n, 65537n)).toBe(squareAndMultiply(7n, 65537n));
  });

  it("keeps x for a new password and computes the verifier g^x from it once, at its first use", async () => {
    const salt = randomBytes(16);
    const kept = srpSecret(srpPoolName(poolId), userId, "Corr3ct-horse!", salt);
    expect(kept).not.toHaveProperty("verifier");
    const verifier = verifierOf(kept);
    expect(BigInt(`0x${verifier.verifier}`)).toBe(squareAndMultiply(2n, BigInt(`0x${(kept as { x: string }).x}`)));
    expect(verifierOf(kept)).toBe(verifier);
    expect(verifier).toEqual(makeVerifier(srpPoolName(poolId), userId, "Corr3ct-horse!", salt));
    // A record written before x was kept holds the verifier itself: used as it is.
    const older = { salt: verifier.salt, verifier: verifier.verifier };
    expect(verifierOf(older)).toBe(older);
  });
});

describe("TOTP", () => {
  // RFC 6238 appendix B, SHA-1, the last six of its eight digits.
  const secret = base32(Buffer.from("12345678901234567890"));
  it("computes RFC 6238's codes", () => {
    expect(secret).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(fromBase32(secret).toString()).toBe("12345678901234567890");
    expect(totpCode(secret, 59_000)).toBe("287082");
    expect(totpCode(secret, 1111111109_000)).toBe("081804");
    expect(totpCode(secret, 2000000000_000)).toBe("279037");
  });

  it("accepts the step before and after, nothing further, and only six digits", () => {
    const now = 1111111109_000;
    expect(totpStep(secret, totpCode(secret, now - 30_000), now)).toBe(Math.floor(now / 30_000) - 1);
    expect(totpStep(secret, totpCode(secret, now + 30_000), now)).toBe(Math.floor(now / 30_000) + 1);
    expect(totpStep(secret, totpCode(secret, now - 90_000), now)).toBeNull();
    expect(totpStep(secret, "81804", now)).toBeNull();
  });
});
