import type { ChangePasswordRequest, ChangePasswordResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requireTokenUser } from "../lookups.js";
import { checkPasswordPolicy, passwordFields } from "../passwords.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** The signed-in user changes their password, proving the old one. */
export const ChangePassword =
  ({ store, tokens, clock, ids }: Pick<CognitoServices, "store" | "tokens" | "clock" | "ids">) =>
  async (input: ChangePasswordRequest): Promise<Wire<ChangePasswordResponse>> => {
    const { pool, user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    // A passwordless user sets a first password without a previous one.
    if (user.password) {
      if (input.PreviousPassword === undefined || !store.passwordMatches(user, input.PreviousPassword)) throw CognitoErrors.incorrectCredentials();
    }
    checkPasswordPolicy(pool, input.ProposedPassword!);
    store.putUser({ ...user, ...passwordFields({ store, ids, clock }, pool, user.username, input.ProposedPassword!, { temporary: false }), updatedAt: clock.now() });
    return {};
  };
