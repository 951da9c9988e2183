import { CognitoErrors } from "../errors.js";
import type { RefreshTokenRecord, UserRecord } from "../store.js";
import { laterMetadata, type AuthAnswer, type FlowContext } from "./context.js";
import { issueFor } from "./tokens.js";

/**
 * REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken: new ID and access tokens for a live refresh
 * token. How the client proves its secret differs between the two: `checkSecret` is asked once
 * the token (and its user) are known, before anything else is said about the token. With the app
 * client's RefreshTokenRotation (GetTokensFromRefreshToken only) a new refresh token comes too,
 * and the old one works for RetryGracePeriodSeconds more.
 */
export async function refreshAuth(
  flow: FlowContext,
  token: string | undefined,
  checkSecret: (record: RefreshTokenRecord | undefined, user: UserRecord | undefined) => void,
  options: { rotate: boolean } = { rotate: false },
): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!token) throw CognitoErrors.invalidParameter("Missing required parameter REFRESH_TOKEN");
  const record = svc.store.refreshToken(token);
  const user = record ? svc.store.userByUsername(pool, record.username) : undefined;
  checkSecret(record, user);
  const now = svc.clock.now();
  if (!record || record.poolId !== pool.id || record.clientId !== client.id) throw CognitoErrors.notAuthorized("Invalid Refresh Token");
  if (record.revoked || svc.store.isRevoked(record.originJti)) throw CognitoErrors.notAuthorized("Refresh Token has been revoked");
  if (record.expiresAt <= now) throw CognitoErrors.notAuthorized("Refresh Token has expired");
  if (record.rotatedAt !== undefined && now - record.rotatedAt > (client.refreshTokenRotation?.retryGracePeriodSeconds ?? 0) * 1000) {
    throw CognitoErrors.notAuthorized("Invalid Refresh Token");
  }
  if (!user) throw CognitoErrors.userNotFound();
  if (!user.enabled) throw CognitoErrors.userDisabled();
  const AuthenticationResult = await issueFor(flow, user, {
    source: "TokenGeneration_RefreshTokens",
    clientMetadata: laterMetadata(flow),
    refresh: record,
    rotate: options.rotate,
  });
  return { ChallengeParameters: {}, AuthenticationResult };
}
