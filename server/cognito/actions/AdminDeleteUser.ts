import type { AdminDeleteUserRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";

export const AdminDeleteUser =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: AdminDeleteUserRequest): Promise<Record<string, never>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    store.revokeUserTokens(user);
    store.deleteUser(user);
    return {};
  };
