import type { DeleteUserPoolRequest } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";

export const DeleteUserPool =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: DeleteUserPoolRequest): Promise<Record<string, never>> => {
    const pool = requirePool(store, input.UserPoolId!);
    if (pool.extra.DeletionProtection === "ACTIVE") {
      throw CognitoErrors.invalidParameter(`The user pool ${pool.id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.`);
    }
    store.deletePool(pool.id);
    return {};
  };
