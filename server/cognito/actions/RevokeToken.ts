import type { RevokeTokenRequest, RevokeTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkClientSecret } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** Revokes a refresh token and the access and ID tokens issued with it. */
export const RevokeToken =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: RevokeTokenRequest): Promise<Wire<RevokeTokenResponse>> => {
    const { client } = requireClient(store, input.ClientId!);
    checkClientSecret(client, input.ClientSecret);
    if (!client.enableTokenRevocation) throw CognitoErrors.unsupportedOperation("Token revocation is not enabled for this app client.");
    const record = store.refreshToken(input.Token!);
    if (record && record.clientId !== client.id) throw CognitoErrors.notAuthorized("Invalid token");
    // An unknown token is answered like a revoked one: the OAuth revocation rules AWS follows.
    if (record) store.revokeOrigin(record.originJti);
    return {};
  };
