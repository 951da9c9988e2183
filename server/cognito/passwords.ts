import { randomString } from "../core/ids.js";
import { CognitoErrors } from "./errors.js";
import type { CognitoServices } from "./services.js";
import { srpPoolName, srpSecret } from "./srp.js";
import type { PoolRecord, UserRecord } from "./store.js";

/** Passwords: the pool's policy, and what the pool keeps of a password when one is set. */

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

/** A password AdminCreateUser makes up: letters and digits, plus one of each class, so any policy takes it. */
export function generatedPassword(ids: CognitoServices["ids"], pool: PoolRecord): string {
  return `${randomString(ids, Math.max(8, pool.passwordPolicy.MinimumLength))}a1A!`;
}

/**
 * What the user record keeps of a new password: its salted hash (USER_PASSWORD_AUTH), what SRP
 * needs of it (USER_SRP_AUTH: the salt and x, srp.ts), and for a temporary password when it expires (the pool's
 * TemporaryPasswordValidityDays).
 */
export function passwordFields(
  { store, ids, clock }: Pick<CognitoServices, "store" | "ids" | "clock">,
  pool: PoolRecord,
  username: string,
  password: string,
  options: { temporary: boolean },
): Pick<UserRecord, "password" | "srp" | "temporaryPasswordExpiresAt"> {
  return {
    password: store.hashPassword(password),
    srp: srpSecret(srpPoolName(pool.id), username, password, ids.bytes(16)),
    temporaryPasswordExpiresAt: options.temporary ? clock.now() + pool.passwordPolicy.TemporaryPasswordValidityDays * 86_400_000 : null,
  };
}
