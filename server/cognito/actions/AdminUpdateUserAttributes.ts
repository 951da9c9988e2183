import type { AdminUpdateUserAttributesRequest, AdminUpdateUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { checkAttributes, requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const AdminUpdateUserAttributes: CognitoAction<AdminUpdateUserAttributesRequest, AdminUpdateUserAttributesResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  const changes = checkAttributes(pool, input.UserAttributes);
  for (const name of Object.keys(changes)) {
    const custom = pool.customAttributes.find((c) => c.name === name);
    if (custom && !custom.mutable && user.attributes[name] !== undefined) {
      throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute cannot be updated. (changing an immutable attribute)`);
    }
  }
  if (changes.email !== undefined && pool.usernameAttributes.includes("email")) {
    const other = svc.store.findUser(pool, changes.email);
    if (other && other.username !== user.username) throw CognitoErrors.aliasExists();
  }
  const attributes = { ...user.attributes, ...changes };
  // A new address is unverified unless the caller says otherwise.
  if (changes.email !== undefined && changes.email !== user.attributes.email && changes.email_verified === undefined) attributes.email_verified = "false";
  svc.store.putUser({ ...user, attributes, updatedAt: svc.core.clock.now() });
  return {};
};
