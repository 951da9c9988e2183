import type { DeleteGroupRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requireGroup } from "../groups.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";

/** Deletes the group; its members stay, without it (their next tokens no longer carry it). */
export const DeleteGroup =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: DeleteGroupRequest): Promise<Record<string, never>> => {
    const pool = requirePool(store, input.UserPoolId!);
    store.deleteGroup(requireGroup(store, pool, input.GroupName!));
    return {};
  };
