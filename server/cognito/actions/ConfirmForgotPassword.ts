import type { ConfirmForgotPasswordRequest, ConfirmForgotPasswordResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { codeMatches } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import { checkPasswordPolicy, passwordFields } from "../passwords.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import { postConfirmation } from "../triggers/postConfirmation.js";
import type { Wire } from "../wire.js";

/** The reset code ForgotPassword (or AdminResetUserPassword) mailed, with the new password. */
export const ConfirmForgotPassword =
  ({ store, clock, ids, triggers }: Pick<CognitoServices, "store" | "clock" | "ids" | "triggers">) =>
  async (input: ConfirmForgotPasswordRequest, ctx: RequestContext): Promise<Wire<ConfirmForgotPasswordResponse>> => {
    const { pool, client } = requireClient(store, input.ClientId!);
    const user = store.findUser(pool, input.Username!);
    checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
    if (!user) {
      if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.codeMismatch();
      throw CognitoErrors.userNotFound();
    }
    if (!user.enabled) throw CognitoErrors.userDisabled();
    const now = clock.now();
    if (!codeMatches(user.resetCode, input.ConfirmationCode!, now)) {
      store.putUser({ ...user, resetCode: { ...user.resetCode!, failures: user.resetCode!.failures + 1 } });
      throw CognitoErrors.codeMismatch();
    }
    checkPasswordPolicy(pool, input.Password!);
    const updated: UserRecord = {
      ...user,
      ...passwordFields({ store, ids, clock }, pool, user.username, input.Password!, { temporary: false }),
      // The code reached the address: it is the user's.
      attributes: { ...user.attributes, email_verified: "true" },
      status: user.status === "UNCONFIRMED" ? "UNCONFIRMED" : "CONFIRMED",
      resetCode: null,
      updatedAt: now,
    };
    store.putUser(updated);
    await postConfirmation(triggerCall(triggers, pool, ctx, client.id), {
      source: "PostConfirmation_ConfirmForgotPassword",
      user: updated,
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    return {};
  };
