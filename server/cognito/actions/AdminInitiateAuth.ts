import type { AdminInitiateAuthRequest, AdminInitiateAuthResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import type { FlowServices } from "../flows/context.js";
import { initiateAuth } from "../flows/initiate.js";
import { requireClient, requirePool } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { Wire } from "../wire.js";

export const AdminInitiateAuth =
  (services: FlowServices) =>
  async (input: AdminInitiateAuthRequest, ctx: RequestContext): Promise<Wire<AdminInitiateAuthResponse>> => {
    requirePool(services.store, input.UserPoolId!);
    const { pool, client } = requireClient(services.store, input.ClientId!, input.UserPoolId!);
    const flow = { services, request: ctx, pool, client, clientMetadata: clientMetadata(input.ClientMetadata), admin: true, initiate: true };
    return initiateAuth(flow, input.AuthFlow!, input.AuthParameters ?? {});
  };
