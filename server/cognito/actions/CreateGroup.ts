import type { CreateGroupRequest, CreateGroupResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { groupView } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const CreateGroup =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: CreateGroupRequest): Promise<Wire<CreateGroupResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    if (store.group(pool.id, input.GroupName!)) throw CognitoErrors.groupExists(input.GroupName!);
    const now = clock.now();
    const group = {
      poolId: pool.id,
      name: input.GroupName!,
      description: input.Description ?? null,
      roleArn: input.RoleArn ?? null,
      precedence: input.Precedence ?? null,
      createdAt: now,
      updatedAt: now,
    };
    store.putGroup(group);
    return { Group: groupView(group) };
  };
