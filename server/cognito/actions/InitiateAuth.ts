import type { InitiateAuthRequest, InitiateAuthResponse } from "@aws-sdk/client-cognito-identity-provider";
import { initiate } from "../authActions.js";
import { metadata, requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const InitiateAuth: CognitoAction<InitiateAuthRequest, InitiateAuthResponse> = (svc) => (input, ctx) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  return initiate(svc, ctx, pool, client, input.AuthFlow!, input.AuthParameters ?? {}, metadata(input.ClientMetadata), false);
};
