import type { AttributeType, SchemaAttributeType } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "./errors.js";
import type { PoolRecord, UserRecord } from "./store.js";

/** User attributes: the standard set, a pool's schema, and the checks AWS words its own way. */

export const STANDARD_ATTRIBUTES = [
  "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
  "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
  "phone_number_verified", "address", "updated_at",
] as const;

export function isStandardAttribute(name: string): boolean {
  return (STANDARD_ATTRIBUTES as readonly string[]).includes(name);
}

/** The standard attributes as DescribeUserPool lists them in SchemaAttributes. */
export function standardSchema(): SchemaAttributeType[] {
  return STANDARD_ATTRIBUTES.map((name): SchemaAttributeType => {
    if (name === "email_verified" || name === "phone_number_verified")
      return { Name: name, AttributeDataType: "Boolean", DeveloperOnlyAttribute: false, Mutable: true, Required: false };
    if (name === "updated_at")
      return { Name: name, AttributeDataType: "Number", DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: "0" } };
    return {
      Name: name,
      AttributeDataType: "String",
      DeveloperOnlyAttribute: false,
      Mutable: name !== "sub",
      Required: name === "sub",
      StringAttributeConstraints: { MinLength: name === "sub" ? "1" : "0", MaxLength: "2048" },
    };
  });
}

/** Attributes given by a caller, checked against the pool's schema as AWS words it. */
export function checkAttributes(pool: PoolRecord, attributes: AttributeType[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) {
    const name = a.Name!;
    const known = isStandardAttribute(name) || pool.customAttributes.some((c) => c.name === name);
    if (!known) throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
    if (name === "sub") throw CognitoErrors.invalidParameter("Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)");
    out[name] = a.Value ?? "";
  }
  return out;
}

/** The schema's Required standard attributes must be there (AWS's wording). */
export function checkRequired(pool: PoolRecord, attributes: Record<string, string>): void {
  for (const name of pool.requiredAttributes ?? []) {
    if (!attributes[name]) throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute is required`);
  }
}

/** A user's attributes as AWS lists them: `sub` first. */
export function attributeList(user: UserRecord, only?: string[]): AttributeType[] {
  const all: AttributeType[] = [{ Name: "sub", Value: user.sub }, ...Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }))];
  return only ? all.filter((a) => only.includes(a.Name!)) : all;
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** How AWS shows where a code went: "a***@e***". */
export function maskEmail(address: string): string {
  const [local = "", domain = ""] = address.split("@");
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
}
