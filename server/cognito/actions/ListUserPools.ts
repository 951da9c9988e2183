import type { ListUserPoolsRequest, ListUserPoolsResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import type { CognitoAction } from "../types.js";
import { epochSeconds } from "../types.js";

export const ListUserPools: CognitoAction<ListUserPoolsRequest, ListUserPoolsResponse> = (svc) => (input) => {
  const pools = svc.store.listPools();
  let start = 0;
  if (input.NextToken) {
    start = pools.findIndex((p) => p.id === Buffer.from(input.NextToken!, "base64url").toString("utf8"));
    if (start < 0) throw CognitoErrors.invalidParameter("Invalid pagination token.");
  }
  const page = pools.slice(start, start + input.MaxResults!);
  const next = pools[start + input.MaxResults!];
  return {
    UserPools: page.map((p) => ({
      Id: p.id,
      Name: p.name,
      LambdaConfig: p.lambdaConfig,
      LastModifiedDate: epochSeconds(p.updatedAt),
      CreationDate: epochSeconds(p.createdAt),
    })),
    ...(next ? { NextToken: Buffer.from(next.id).toString("base64url") } : {}),
  };
};
