import type { AdminDisableUserRequest, AdminDisableUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { revokeAllTokens } from "../users.js";

/** Disables the user and, as on AWS, revokes the tokens they hold. */
export const AdminDisableUser: CognitoAction<AdminDisableUserRequest, AdminDisableUserResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  revokeAllTokens(svc, user);
  svc.store.putUser({ ...user, enabled: false, updatedAt: svc.core.clock.now() });
  return {};
};
