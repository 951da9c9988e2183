import type { ListGroupsRequest, ListGroupsResponse } from "@aws-sdk/client-cognito-identity-provider";
import { groupView, page } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const ListGroups =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: ListGroupsRequest): Promise<Wire<ListGroupsResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const { items, next } = page(store.groupsOf(pool.id), input.Limit, input.NextToken);
    return { Groups: items.map(groupView), ...(next ? { NextToken: next } : {}) };
  };
