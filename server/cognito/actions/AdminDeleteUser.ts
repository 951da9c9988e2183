import type { AdminDeleteUserRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { revokeAllTokens } from "../users.js";

export const AdminDeleteUser: CognitoAction<AdminDeleteUserRequest, Record<string, never>> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  revokeAllTokens(svc, user);
  svc.store.deleteUser(user);
  return {};
};
