import type { AdminRespondToAuthChallengeRequest, AdminRespondToAuthChallengeResponse } from "@aws-sdk/client-cognito-identity-provider";
import { respond } from "../authActions.js";
import { metadata, requireClient, requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const AdminRespondToAuthChallenge: CognitoAction<AdminRespondToAuthChallengeRequest, AdminRespondToAuthChallengeResponse> = (svc) => (input, ctx) => {
  requirePool(svc.store, input.UserPoolId!);
  const { pool, client } = requireClient(svc.store, input.ClientId!, input.UserPoolId!);
  return respond(svc, ctx, pool, client, input.ChallengeName!, input.Session, input.ChallengeResponses ?? {}, metadata(input.ClientMetadata));
};
