import type { AdminAddUserToGroupRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requireGroup } from "../groups.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";

/** Adds the user to the group (again is no error); the user's next tokens carry it in cognito:groups. */
export const AdminAddUserToGroup =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminAddUserToGroupRequest): Promise<Record<string, never>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const group = requireGroup(store, pool, input.GroupName!);
    if (!user.groups?.includes(group.name)) store.putUser({ ...user, groups: [...(user.groups ?? []), group.name], updatedAt: clock.now() });
    return {};
  };
