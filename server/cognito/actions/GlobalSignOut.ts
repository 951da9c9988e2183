import type { GlobalSignOutRequest, GlobalSignOutResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoAction } from "../types.js";
import { revokeAllTokens } from "../users.js";

/** Ends every session of the token's user: their refresh tokens, and the access and ID tokens issued with them. */
export const GlobalSignOut: CognitoAction<GlobalSignOutRequest, GlobalSignOutResponse> = (svc) => (input) => {
  const { pool, claims } = svc.tokens.verifyAccessToken(input.AccessToken!);
  const user = svc.store.userByUsername(pool, String(claims.username));
  if (user) revokeAllTokens(svc, user);
  if (typeof claims.origin_jti === "string") svc.store.revokeOrigin(claims.origin_jti);
  return {};
};
