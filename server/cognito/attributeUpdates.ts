import type { AttributeType, CodeDeliveryDetailsType } from "@aws-sdk/client-cognito-identity-provider";
import { checkAttributes } from "./attributes.js";
import { deliverCode, pendingCode } from "./codes.js";
import { CognitoErrors } from "./errors.js";
import type { CognitoServices } from "./services.js";
import type { PoolRecord, UserRecord } from "./store.js";
import type { TriggerCall } from "./triggers/call.js";
import type { StringMap } from "./triggers/events.js";

/**
 * Changing a user's attributes, by the user (UpdateUserAttributes) or an administrator: the
 * schema's rules, unique email addresses, and a new address to verify (a code mailed when the pool
 * verifies email; kept pending, the old address still in force, when the pool's
 * UserAttributeUpdateSettings say so).
 */

/** The attributes given, checked as AWS checks them for a change to this user. */
export function checkAttributeChanges(store: CognitoServices["store"], pool: PoolRecord, user: UserRecord, given: AttributeType[] | undefined): Record<string, string> {
  const changes = checkAttributes(pool, given);
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
  return changes;
}

/** UpdateUserAttributes: applies the changes; a new email address waits for its code. */
export async function updateOwnAttributes(
  svc: Pick<CognitoServices, "store" | "clock" | "mailbox">,
  call: TriggerCall,
  user: UserRecord,
  changes: Record<string, string>,
  clientMetadata: StringMap | undefined,
): Promise<{ user: UserRecord; deliveries: CodeDeliveryDetailsType[] }> {
  const pool = call.pool;
  for (const name of ["email_verified", "phone_number_verified"]) {
    if (changes[name] !== undefined) throw CognitoErrors.invalidParameter(`Cannot modify the ${name} attribute: it is set by verifying the attribute.`);
  }
  const attributes = { ...user.attributes, ...changes };
  const codes = { ...(user.attributeCodes ?? {}) };
  const deliveries: CodeDeliveryDetailsType[] = [];
  const newEmail = changes.email !== undefined && changes.email !== user.attributes.email ? changes.email : undefined;
  if (newEmail !== undefined) {
    const settings = pool.extra.UserAttributeUpdateSettings as { AttributesRequireVerificationBeforeUpdate?: string[] } | undefined;
    const holdUntilVerified = settings?.AttributesRequireVerificationBeforeUpdate?.includes("email") && pool.autoVerifiedAttributes.includes("email");
    if (holdUntilVerified && user.attributes.email !== undefined) {
      attributes.email = user.attributes.email;
    } else {
      attributes.email_verified = "false";
    }
    if (pool.autoVerifiedAttributes.includes("email") && newEmail) {
      const pending = { ...pendingCode(svc), ...(holdUntilVerified && user.attributes.email !== undefined ? { value: newEmail } : {}) };
      codes.email = pending;
      deliveries.push(await deliverCode(svc, call, { purpose: "UpdateUserAttribute", user: { ...user, attributes }, to: newEmail, code: pending.code, clientMetadata }));
    }
  }
  return { user: { ...user, attributes, attributeCodes: codes, updatedAt: svc.clock.now() }, deliveries };
}
