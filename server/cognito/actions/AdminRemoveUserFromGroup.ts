import type { AdminRemoveUserFromGroupRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requireGroup } from "../groups.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";

export const AdminRemoveUserFromGroup =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminRemoveUserFromGroupRequest): Promise<Record<string, never>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const group = requireGroup(store, pool, input.GroupName!);
    if (user.groups?.includes(group.name)) store.putUser({ ...user, groups: user.groups.filter((g) => g !== group.name), updatedAt: clock.now() });
    return {};
  };
