import type { AdminInitiateAuthRequest, AdminInitiateAuthResponse } from "@aws-sdk/client-cognito-identity-provider";
import { initiate } from "../authActions.js";
import { metadata, requireClient, requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const AdminInitiateAuth: CognitoAction<AdminInitiateAuthRequest, AdminInitiateAuthResponse> = (svc) => (input, ctx) => {
  requirePool(svc.store, input.UserPoolId!);
  const { pool, client } = requireClient(svc.store, input.ClientId!, input.UserPoolId!);
  return initiate(svc, ctx, pool, client, input.AuthFlow!, input.AuthParameters ?? {}, metadata(input.ClientMetadata), true);
};
