import type { RespondToAuthChallengeRequest, RespondToAuthChallengeResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import type { FlowServices } from "../flows/context.js";
import { respondToAuthChallenge } from "../flows/respond.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { Wire } from "../wire.js";

export const RespondToAuthChallenge =
  (services: FlowServices) =>
  async (input: RespondToAuthChallengeRequest, ctx: RequestContext): Promise<Wire<RespondToAuthChallengeResponse>> => {
    const { pool, client } = requireClient(services.store, input.ClientId!);
    const flow = { services, request: ctx, pool, client, clientMetadata: clientMetadata(input.ClientMetadata), admin: false, initiate: false };
    return respondToAuthChallenge(flow, input.ChallengeName!, input.Session, input.ChallengeResponses ?? {});
  };
