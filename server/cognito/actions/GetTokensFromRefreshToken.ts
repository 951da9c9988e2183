import type { GetTokensFromRefreshTokenRequest, GetTokensFromRefreshTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkClientSecret, clientAllows, refreshAuth } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { metadata, requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";

/** New ID and access tokens for a refresh token (refresh token rotation is not modelled: no new refresh token). */
export const GetTokensFromRefreshToken: CognitoAction<GetTokensFromRefreshTokenRequest, GetTokensFromRefreshTokenResponse> = (svc) => async (input, ctx) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  if (!clientAllows(client, "REFRESH_TOKEN_AUTH")) throw CognitoErrors.invalidParameter("Auth flow not enabled for this client");
  const answer = await refreshAuth(svc, ctx, pool, client, input.RefreshToken, metadata(input.ClientMetadata), () => checkClientSecret(client, input.ClientSecret));
  return { AuthenticationResult: answer.AuthenticationResult };
};
