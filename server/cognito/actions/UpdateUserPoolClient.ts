import type { UpdateUserPoolClientRequest, UpdateUserPoolClientResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requireClient, requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { clientView } from "../views.js";
import type { Wire } from "../wire.js";
import { clientSettings } from "./CreateUserPoolClient.js";

/** As on AWS, settings left out of the request return to their defaults; the secret stays. */
export const UpdateUserPoolClient =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: UpdateUserPoolClientRequest): Promise<Wire<UpdateUserPoolClientResponse>> => {
    requirePool(store, input.UserPoolId!);
    const { client } = requireClient(store, input.ClientId!, input.UserPoolId!);
    const settings = clientSettings({ ...input, ClientName: input.ClientName ?? client.name });
    const updated = { ...client, ...settings, updatedAt: clock.now() };
    store.putClient(updated);
    return { UserPoolClient: clientView(updated) };
  };
