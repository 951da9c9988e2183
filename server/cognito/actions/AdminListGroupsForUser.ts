import type { AdminListGroupsForUserRequest, AdminListGroupsForUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { groupView, page } from "../groups.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { GroupRecord } from "../store.js";
import type { Wire } from "../wire.js";

export const AdminListGroupsForUser =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: AdminListGroupsForUserRequest): Promise<Wire<AdminListGroupsForUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const groups = store.groupsOf(pool.id).filter((g: GroupRecord) => user.groups?.includes(g.name));
    const { items, next } = page(groups, input.Limit, input.NextToken);
    return { Groups: items.map(groupView), ...(next ? { NextToken: next } : {}) };
  };
