import type { ListUserPoolsRequest, ListUserPoolsResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { CognitoErrors } from "../errors.js";
import type { CognitoServices } from "../services.js";
import { epochSeconds, type Wire } from "../wire.js";

export const ListUserPools =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: ListUserPoolsRequest, ctx: RequestContext): Promise<Wire<ListUserPoolsResponse>> => {
    // The pools of the caller's region, as AWS's regional endpoint lists them.
    const pools = store.listPools(ctx);
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
