import type { DescribeUserPoolRequest, DescribeUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import { poolView, requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const DescribeUserPool: CognitoAction<DescribeUserPoolRequest, DescribeUserPoolResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  return { UserPool: poolView(pool, svc.store.userCount(pool.id)) };
};
