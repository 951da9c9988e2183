import type { DeleteUserPoolRequest } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const DeleteUserPool: CognitoAction<DeleteUserPoolRequest, Record<string, never>> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  if (pool.extra.DeletionProtection === "ACTIVE") {
    throw CognitoErrors.invalidParameter(`The user pool ${pool.id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.`);
  }
  svc.store.deletePool(pool.id);
  return {};
};
