import type { GlobalSignOutRequest, GlobalSignOutResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** Ends every session of the token's user: their refresh tokens, and the access and ID tokens issued with them. */
export const GlobalSignOut =
  ({ store, tokens }: Pick<CognitoServices, "store" | "tokens">) =>
  async (input: GlobalSignOutRequest): Promise<Wire<GlobalSignOutResponse>> => {
    const { pool, claims } = tokens.verifyAccessToken(input.AccessToken!);
    const user = store.userByUsername(pool, String(claims.username));
    if (user) store.revokeUserTokens(user);
    if (typeof claims.origin_jti === "string") store.revokeOrigin(claims.origin_jti);
    return {};
  };
