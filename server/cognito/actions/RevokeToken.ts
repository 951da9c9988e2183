import type { RevokeTokenRequest, RevokeTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkClientSecret } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";

/** Revokes a refresh token and the access and ID tokens issued with it. */
export const RevokeToken: CognitoAction<RevokeTokenRequest, RevokeTokenResponse> = (svc) => (input) => {
  const { client } = requireClient(svc.store, input.ClientId!);
  checkClientSecret(client, input.ClientSecret);
  if (!client.enableTokenRevocation) throw CognitoErrors.unsupportedOperation("Token revocation is not enabled for this app client.");
  const record = svc.store.refreshToken(input.Token!);
  if (record && record.clientId !== client.id) throw CognitoErrors.notAuthorized("Invalid token");
  // An unknown token is answered like a revoked one: the OAuth revocation rules AWS follows.
  if (record) svc.store.revokeOrigin(record.originJti);
  return {};
};
