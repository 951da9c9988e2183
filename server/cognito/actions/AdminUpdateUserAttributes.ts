import type { AdminUpdateUserAttributesRequest, AdminUpdateUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkAttributeChanges } from "../attributeUpdates.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const AdminUpdateUserAttributes =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminUpdateUserAttributesRequest): Promise<Wire<AdminUpdateUserAttributesResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const changes = checkAttributeChanges(store, pool, user, input.UserAttributes);
    const attributes = { ...user.attributes, ...changes };
    // A new address is unverified unless the caller says otherwise.
    if (changes.email !== undefined && changes.email !== user.attributes.email && changes.email_verified === undefined) attributes.email_verified = "false";
    store.putUser({ ...user, attributes, updatedAt: clock.now() });
    return {};
  };
