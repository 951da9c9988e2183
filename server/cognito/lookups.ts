import { CognitoErrors } from "./errors.js";
import type { ClientRecord, CognitoStore, PoolRecord, UserRecord } from "./store.js";
import type { Claims, TokenSigner } from "./tokens/signer.js";

/** The pool, app client and user a request names, or AWS's error for a name that is not there. */

export function requirePool(store: CognitoStore, poolId: string): PoolRecord {
  const pool = store.pool(poolId);
  if (!pool) throw CognitoErrors.poolNotFound(poolId);
  return pool;
}

export function requireClient(store: CognitoStore, clientId: string, poolId?: string): { pool: PoolRecord; client: ClientRecord } {
  const client = store.client(clientId);
  if (!client || (poolId && client.poolId !== poolId)) throw CognitoErrors.clientNotFound(clientId);
  const pool = store.pool(client.poolId);
  if (!pool) throw CognitoErrors.clientNotFound(clientId);
  return { pool, client };
}

/** Admin actions name a user by user name or alias; unknown → UserNotFoundException. */
export function requireUser(store: CognitoStore, pool: PoolRecord, username: string): UserRecord {
  const user = store.findUser(pool, username);
  if (!user) throw CognitoErrors.userNotFound();
  return user;
}

/**
 * The signed-in user an access token names (GetUser, ChangePassword, UpdateUserAttributes...):
 * a live token of one of the stack's pools, for a user who still exists and is enabled.
 */
export function requireTokenUser(
  { store, tokens }: { store: CognitoStore; tokens: TokenSigner },
  accessToken: string,
): { pool: PoolRecord; user: UserRecord; claims: Claims } {
  const { pool, claims } = tokens.verifyAccessToken(accessToken);
  const user = store.userByUsername(pool, String(claims.username));
  if (!user) throw CognitoErrors.userNotFound();
  if (!user.enabled) throw CognitoErrors.userDisabled();
  return { pool, user, claims };
}
