import type { UpdateUserPoolClientRequest, UpdateUserPoolClientResponse } from "@aws-sdk/client-cognito-identity-provider";
import { clientView, requireClient, requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { clientSettings } from "./CreateUserPoolClient.js";

/** As on AWS, settings left out of the request return to their defaults; the secret stays. */
export const UpdateUserPoolClient: CognitoAction<UpdateUserPoolClientRequest, UpdateUserPoolClientResponse> = (svc) => (input) => {
  requirePool(svc.store, input.UserPoolId!);
  const { client } = requireClient(svc.store, input.ClientId!, input.UserPoolId!);
  const settings = clientSettings({ ...input, ClientName: input.ClientName ?? client.name });
  const updated = { ...client, ...settings, updatedAt: svc.core.clock.now() };
  svc.store.putClient(updated);
  return { UserPoolClient: clientView(updated) };
};
