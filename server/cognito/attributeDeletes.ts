import { CognitoErrors } from "./errors.js";
import type { PoolRecord, UserRecord } from "./store.js";

/** The user without the named attributes; a required one, or `sub`, cannot go. An email takes its verification with it. */
export function withoutAttributes(pool: PoolRecord, user: UserRecord, names: string[]): UserRecord {
  const attributes = { ...user.attributes };
  for (const name of names) {
    if (name === "sub" || (pool.requiredAttributes ?? []).includes(name)) {
      throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute is required`);
    }
    delete attributes[name];
    if (name === "email") delete attributes.email_verified;
    if (name === "phone_number") delete attributes.phone_number_verified;
  }
  return { ...user, attributes };
}
