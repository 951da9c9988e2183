import type { DescribeUserPoolClientRequest, DescribeUserPoolClientResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requireClient, requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { clientView } from "../views.js";
import type { Wire } from "../wire.js";

export const DescribeUserPoolClient =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: DescribeUserPoolClientRequest): Promise<Wire<DescribeUserPoolClientResponse>> => {
    requirePool(store, input.UserPoolId!);
    const { client } = requireClient(store, input.ClientId!, input.UserPoolId!);
    return { UserPoolClient: clientView(client) };
  };
