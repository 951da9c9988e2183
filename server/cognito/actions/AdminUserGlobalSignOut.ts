import type { AdminUserGlobalSignOutRequest, AdminUserGlobalSignOutResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** Ends every session of the user: their refresh tokens, and the access and ID tokens issued with them. */
export const AdminUserGlobalSignOut =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: AdminUserGlobalSignOutRequest): Promise<Wire<AdminUserGlobalSignOutResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    store.revokeUserTokens(requireUser(store, pool, input.Username!));
    return {};
  };
