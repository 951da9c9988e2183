import type { ListUsersInGroupRequest, ListUsersInGroupResponse } from "@aws-sdk/client-cognito-identity-provider";
import { page, requireGroup } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { userView } from "../views.js";
import type { Wire } from "../wire.js";

export const ListUsersInGroup =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: ListUsersInGroupRequest): Promise<Wire<ListUsersInGroupResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const group = requireGroup(store, pool, input.GroupName!);
    const members = store.usersOf(pool.id).filter((u) => u.groups?.includes(group.name));
    const { items, next } = page(members, input.Limit, input.NextToken);
    return { Users: items.map((u) => userView(u)), ...(next ? { NextToken: next } : {}) };
  };
