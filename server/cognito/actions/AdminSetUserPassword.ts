import type { AdminSetUserPasswordRequest, AdminSetUserPasswordResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import { checkPasswordPolicy, passwordFields } from "../passwords.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/**
 * Sets a user's password: Permanent makes it the user's own (a user who had to change or reset
 * theirs is CONFIRMED); otherwise it is a temporary password (FORCE_CHANGE_PASSWORD), valid for the
 * pool's TemporaryPasswordValidityDays.
 */
export const AdminSetUserPassword =
  ({ store, clock, ids }: Pick<CognitoServices, "store" | "clock" | "ids">) =>
  async (input: AdminSetUserPasswordRequest): Promise<Wire<AdminSetUserPasswordResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    checkPasswordPolicy(pool, input.Password!);
    const permanent = input.Permanent === true;
    const status = permanent ? (user.status === "UNCONFIRMED" ? "UNCONFIRMED" : "CONFIRMED") : "FORCE_CHANGE_PASSWORD";
    store.putUser({
      ...user,
      ...passwordFields({ store, ids, clock }, pool, user.username, input.Password!, { temporary: !permanent }),
      status,
      resetCode: null,
      updatedAt: clock.now(),
    });
    return {};
  };
