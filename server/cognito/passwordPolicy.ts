import { CognitoErrors } from "./errors.js";
import type { PoolRecord } from "./store.js";

/** The pool's password policy, with AWS's wording. */
export function checkPasswordPolicy(pool: PoolRecord, password: string): void {
  const p = pool.passwordPolicy;
  const fail = (why: string) => CognitoErrors.invalidPassword(`Password did not conform with policy: ${why}`);
  if (password.length < p.MinimumLength) throw fail("Password not long enough");
  if (p.RequireLowercase && !/[a-z]/.test(password)) throw fail("Password must have lowercase characters");
  if (p.RequireUppercase && !/[A-Z]/.test(password)) throw fail("Password must have uppercase characters");
  if (p.RequireNumbers && !/[0-9]/.test(password)) throw fail("Password must have numeric characters");
  if (p.RequireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) throw fail("Password must have symbol characters");
}
