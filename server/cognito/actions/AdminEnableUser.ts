import type { AdminEnableUserRequest, AdminEnableUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const AdminEnableUser =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminEnableUserRequest): Promise<Wire<AdminEnableUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    store.putUser({ ...user, enabled: true, updatedAt: clock.now() });
    return {};
  };
