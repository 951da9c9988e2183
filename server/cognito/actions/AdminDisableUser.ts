import type { AdminDisableUserRequest, AdminDisableUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** Disables the user and, as on AWS, revokes the tokens they hold. */
export const AdminDisableUser =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminDisableUserRequest): Promise<Wire<AdminDisableUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    store.revokeUserTokens(user);
    store.putUser({ ...user, enabled: false, updatedAt: clock.now() });
    return {};
  };
