import type { GetGroupRequest, GetGroupResponse } from "@aws-sdk/client-cognito-identity-provider";
import { groupView, requireGroup } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const GetGroup =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: GetGroupRequest): Promise<Wire<GetGroupResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    return { Group: groupView(requireGroup(store, pool, input.GroupName!)) };
  };
