import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { IdGenerator } from "../../core/ids.js";
import type { KeyGenerator } from "../../core/keys.js";
import { CognitoErrors } from "../errors.js";
import type { CognitoStore, PoolRecord } from "../store.js";

export type Claims = Record<string, unknown>;

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** A fresh RS256 key for a pool: generated here, never shipped in the package. */
export async function generatePoolKey({ keys, ids }: { keys: KeyGenerator; ids: IdGenerator }): Promise<PoolRecord["key"]> {
  const { privateKey, publicKey } = await keys.rsa();
  const kid = b64url(ids.bytes(32));
  const jwk = publicKey.export({ format: "jwk" }) as { n: string; e: string };
  return {
    kid,
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicJwk: { alg: "RS256", e: jwk.e, kid, kty: "RSA", n: jwk.n, use: "sig" },
  };
}

/** The pool tag that makes a pool's tokens carry AWS's issuer instead of the stack's URL. */
export const ISSUER_TAG = "rekognito:issuer";

/**
 * The issuer of a pool's tokens. By default where its JWKS is served, `<endpoint>/<poolId>`, so
 * any OpenID verifier finds the keys from the token alone. With the pool tag
 * `rekognito:issuer` = `aws`, AWS's own `https://cognito-idp.<region>.amazonaws.com/<poolId>`:
 * the one issuer aws-jwt-verify's CognitoJwtVerifier accepts (it is then given the JWKS with
 * cacheJwks, since AWS's URL does not lead here).
 */
export function issuerOf(pool: Pick<PoolRecord, "id" | "region" | "extra">, baseUrl: string): string {
  const tags = pool.extra.UserPoolTags as Record<string, string> | undefined;
  if (tags?.[ISSUER_TAG]?.toLowerCase() === "aws") return `https://cognito-idp.${pool.region}.amazonaws.com/${pool.id}`;
  return `${baseUrl}/${pool.id}`;
}

/**
 * Signs and checks the RS256 JWTs of a pool, and publishes its JWKS and OpenID configuration.
 * What goes into a token is decided by tokens/issue.ts.
 */
export class TokenSigner {
  private readonly keys = new Map<string, { private: KeyObject; public: KeyObject }>();

  constructor(private readonly deps: { clock: Clock; store: CognitoStore }) {}

  private keyOf(pool: PoolRecord) {
    let key = this.keys.get(pool.key.kid);
    if (!key) {
      const privateKey = createPrivateKey(pool.key.privateKeyPem);
      key = { private: privateKey, public: createPublicKey(privateKey) };
      this.keys.set(pool.key.kid, key);
    }
    return key;
  }

  /**
   * A signed token. The RSA signature (~0.35 ms of CPU for a 2048-bit key here) is made on
   * libuv's thread pool, not on the thread that answers requests: a sign-in's ID and access
   * tokens are signed side by side, and other requests are answered meanwhile.
   */
  async sign(pool: PoolRecord, claims: Claims): Promise<string> {
    const header = b64url(JSON.stringify({ kid: pool.key.kid, alg: "RS256" }));
    const body = b64url(JSON.stringify(claims));
    const key = this.keyOf(pool).private;
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign("RSA-SHA256", Buffer.from(`${header}.${body}`), key, (error, signed) => (error ? reject(error) : resolve(signed))),
    );
    return `${header}.${body}.${b64url(signature)}`;
  }

  /**
   * Checks an access token as Cognito's user-facing actions do (GetUser, GlobalSignOut):
   * its signature by one of the stack's pools, its use, expiry and revocation.
   */
  verifyAccessToken(token: string): { pool: PoolRecord; claims: Claims } {
    const invalid = () => CognitoErrors.notAuthorized("Invalid Access Token");
    const parts = token.split(".");
    if (parts.length !== 3) throw invalid();
    let header: { kid?: string; alg?: string };
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    if (header.alg !== "RS256" || typeof claims.iss !== "string") throw invalid();
    const poolId = claims.iss.slice(claims.iss.lastIndexOf("/") + 1);
    const pool = this.deps.store.pool(poolId);
    if (!pool || pool.key.kid !== header.kid) throw invalid();
    const ok = verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), this.keyOf(pool).public, Buffer.from(parts[2]!, "base64url"));
    if (!ok || claims.token_use !== "access") throw invalid();
    if (typeof claims.origin_jti === "string" && this.deps.store.isRevoked(claims.origin_jti)) {
      throw CognitoErrors.notAuthorized("Access Token has been revoked");
    }
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= this.deps.clock.now()) {
      throw CognitoErrors.notAuthorized("Access Token has expired");
    }
    return { pool, claims };
  }

  jwks(pool: PoolRecord): { keys: Record<string, string>[] } {
    return { keys: [pool.key.publicJwk] };
  }

  openidConfiguration(pool: PoolRecord, baseUrl: string): Record<string, unknown> {
    const issuer = issuerOf(pool, baseUrl);
    return {
      issuer,
      // Always here, whatever the issuer says.
      jwks_uri: `${baseUrl}/${pool.id}/.well-known/jwks.json`,
      authorization_endpoint: `${baseUrl}/oauth2/authorize`,
      token_endpoint: `${baseUrl}/oauth2/token`,
      userinfo_endpoint: `${baseUrl}/oauth2/userInfo`,
      response_types_supported: ["code", "token"],
      scopes_supported: ["openid", "email", "phone", "profile"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    };
  }
}
