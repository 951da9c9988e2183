import type { RespondToAuthChallengeRequest, RespondToAuthChallengeResponse } from "@aws-sdk/client-cognito-identity-provider";
import { respond } from "../authActions.js";
import { metadata, requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const RespondToAuthChallenge: CognitoAction<RespondToAuthChallengeRequest, RespondToAuthChallengeResponse> = (svc) => (input, ctx) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  return respond(svc, ctx, pool, client, input.ChallengeName!, input.Session, input.ChallengeResponses ?? {}, metadata(input.ClientMetadata));
};
