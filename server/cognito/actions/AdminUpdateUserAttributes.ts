import type { AdminUpdateUserAttributesRequest, AdminUpdateUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkAttributes } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import { requirePool, requireUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const AdminUpdateUserAttributes =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminUpdateUserAttributesRequest): Promise<Wire<AdminUpdateUserAttributesResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const changes = checkAttributes(pool, input.UserAttributes);
    for (const name of Object.keys(changes)) {
      const custom = pool.customAttributes.find((c) => c.name === name);
      if (custom && !custom.mutable && user.attributes[name] !== undefined) {
        throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute cannot be updated. (changing an immutable attribute)`);
      }
    }
    if (changes.email !== undefined && pool.usernameAttributes.includes("email")) {
      const other = store.findUser(pool, changes.email);
      if (other && other.username !== user.username) throw CognitoErrors.aliasExists();
    }
    const attributes = { ...user.attributes, ...changes };
    // A new address is unverified unless the caller says otherwise.
    if (changes.email !== undefined && changes.email !== user.attributes.email && changes.email_verified === undefined) attributes.email_verified = "false";
    store.putUser({ ...user, attributes, updatedAt: clock.now() });
    return {};
  };
