import type { AdminDeleteUserAttributesRequest, AdminDeleteUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import { withoutAttributes } from "../attributeDeletes.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const AdminDeleteUserAttributes =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminDeleteUserAttributesRequest): Promise<Wire<AdminDeleteUserAttributesResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    store.putUser({ ...withoutAttributes(pool, user, input.UserAttributeNames ?? []), updatedAt: clock.now() });
    return {};
  };
