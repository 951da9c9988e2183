import type { AdminEnableUserRequest, AdminEnableUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const AdminEnableUser: CognitoAction<AdminEnableUserRequest, AdminEnableUserResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  svc.store.putUser({ ...user, enabled: true, updatedAt: svc.core.clock.now() });
  return {};
};
