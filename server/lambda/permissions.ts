import type { PolicyStatement, StoredFunction } from "./functions.js";

/** The resource policy of a function, or of one of its versions or aliases. */
export function policyOf(fn: StoredFunction, qualifier?: string): PolicyStatement[] {
  if (qualifier === undefined || qualifier === "$LATEST") return fn.policy;
  return fn.qualifiedPolicies?.[qualifier] ?? [];
}

/** AddPermission's Principal as the policy states it: an account's root, a service, anyone, or an ARN. */
export function principalOf(principal: string): PolicyStatement["Principal"] {
  return /^\d{12}$/.test(principal)
    ? { AWS: `arn:aws:iam::${principal}:root` }
    : principal.includes(".")
      ? { Service: principal }
      : principal === "*"
        ? "*"
        : { AWS: principal };
}
