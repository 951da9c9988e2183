import type { AdminRespondToAuthChallengeRequest, AdminRespondToAuthChallengeResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import type { FlowServices } from "../flows/context.js";
import { respondToAuthChallenge } from "../flows/respond.js";
import { requireClient, requirePool } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { Wire } from "../wire.js";

export const AdminRespondToAuthChallenge =
  (services: FlowServices) =>
  async (input: AdminRespondToAuthChallengeRequest, ctx: RequestContext): Promise<Wire<AdminRespondToAuthChallengeResponse>> => {
    requirePool(services.store, input.UserPoolId!);
    const { pool, client } = requireClient(services.store, input.ClientId!, input.UserPoolId!);
    const flow = { services, request: ctx, pool, client, clientMetadata: clientMetadata(input.ClientMetadata), admin: true, initiate: false };
    return respondToAuthChallenge(flow, input.ChallengeName!, input.Session, input.ChallengeResponses ?? {});
  };
