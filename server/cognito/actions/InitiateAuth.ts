import type { InitiateAuthRequest, InitiateAuthResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import type { FlowServices } from "../flows/context.js";
import { initiateAuth } from "../flows/initiate.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { Wire } from "../wire.js";

export const InitiateAuth =
  (services: FlowServices) =>
  async (input: InitiateAuthRequest, ctx: RequestContext): Promise<Wire<InitiateAuthResponse>> => {
    const { pool, client } = requireClient(services.store, input.ClientId!);
    const flow = { services, request: ctx, pool, client, clientMetadata: clientMetadata(input.ClientMetadata), admin: false, initiate: true };
    return initiateAuth(flow, input.AuthFlow!, input.AuthParameters ?? {});
  };
