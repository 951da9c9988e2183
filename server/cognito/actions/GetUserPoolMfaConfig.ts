import type { GetUserPoolMfaConfigRequest, GetUserPoolMfaConfigResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";
import { mfaConfigView } from "./SetUserPoolMfaConfig.js";

export const GetUserPoolMfaConfig =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: GetUserPoolMfaConfigRequest): Promise<Wire<GetUserPoolMfaConfigResponse>> => mfaConfigView(requirePool(store, input.UserPoolId!));
