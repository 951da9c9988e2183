import type { UpdateGroupRequest, UpdateGroupResponse } from "@aws-sdk/client-cognito-identity-provider";
import { groupView, requireGroup } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** Changes the settings given; the others stay as they were. */
export const UpdateGroup =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: UpdateGroupRequest): Promise<Wire<UpdateGroupResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const group = requireGroup(store, pool, input.GroupName!);
    const updated = {
      ...group,
      description: input.Description ?? group.description,
      roleArn: input.RoleArn ?? group.roleArn,
      precedence: input.Precedence ?? group.precedence,
      updatedAt: clock.now(),
    };
    store.putGroup(updated);
    return { Group: groupView(updated) };
  };
