import type { DescribeUserPoolRequest, DescribeUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { poolView } from "../views.js";
import type { Wire } from "../wire.js";

export const DescribeUserPool =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: DescribeUserPoolRequest): Promise<Wire<DescribeUserPoolResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    return { UserPool: poolView(pool, store.userCount(pool.id)) };
  };
