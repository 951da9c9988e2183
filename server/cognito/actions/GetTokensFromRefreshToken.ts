import type { GetTokensFromRefreshTokenRequest, GetTokensFromRefreshTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkClientSecret, clientAllows } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import type { FlowServices } from "../flows/context.js";
import { refreshAuth } from "../flows/refresh.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { Wire } from "../wire.js";

/** New ID and access tokens for a refresh token, and a new refresh token when the app client rotates them. */
export const GetTokensFromRefreshToken =
  (services: FlowServices) =>
  async (input: GetTokensFromRefreshTokenRequest, ctx: RequestContext): Promise<Wire<GetTokensFromRefreshTokenResponse>> => {
    const { pool, client } = requireClient(services.store, input.ClientId!);
    if (!clientAllows(client, "REFRESH_TOKEN_AUTH")) throw CognitoErrors.invalidParameter("Auth flow not enabled for this client");
    const flow = { services, request: ctx, pool, client, clientMetadata: clientMetadata(input.ClientMetadata), admin: false, initiate: false };
    const answer = await refreshAuth(flow, input.RefreshToken, () => checkClientSecret(client, input.ClientSecret), {
      rotate: client.refreshTokenRotation?.enabled === true,
    });
    return { AuthenticationResult: answer.AuthenticationResult };
  };
