import type { DescribeUserPoolClientRequest, DescribeUserPoolClientResponse } from "@aws-sdk/client-cognito-identity-provider";
import { clientView, requireClient, requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const DescribeUserPoolClient: CognitoAction<DescribeUserPoolClientRequest, DescribeUserPoolClientResponse> = (svc) => (input) => {
  requirePool(svc.store, input.UserPoolId!);
  const { client } = requireClient(svc.store, input.ClientId!, input.UserPoolId!);
  return { UserPoolClient: clientView(client) };
};
