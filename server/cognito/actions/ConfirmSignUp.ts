import type { ConfirmSignUpRequest, ConfirmSignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import { postConfirmation } from "../triggers/postConfirmation.js";
import type { Wire } from "../wire.js";

export const ConfirmSignUp =
  ({ store, clock, triggers }: Pick<CognitoServices, "store" | "clock" | "triggers">) =>
  async (input: ConfirmSignUpRequest, ctx: RequestContext): Promise<Wire<ConfirmSignUpResponse>> => {
    const { pool, client } = requireClient(store, input.ClientId!);
    const user = store.findUser(pool, input.Username!);
    checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
    if (!user) {
      if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.codeMismatch();
      throw CognitoErrors.userNotFound();
    }
    if (user.status !== "UNCONFIRMED") throw CognitoErrors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    if (!user.code || user.code.code !== input.ConfirmationCode) throw CognitoErrors.codeMismatch();
    if (user.code.expiresAt <= clock.now()) throw CognitoErrors.expiredCode();
    const confirmed = {
      ...user,
      status: "CONFIRMED" as const,
      code: null,
      attributes: { ...user.attributes, ...(user.attributes.email ? { email_verified: "true" } : {}) },
      updatedAt: clock.now(),
    };
    store.putUser(confirmed);
    await postConfirmation(triggerCall(triggers, pool, ctx, client.id), {
      source: "PostConfirmation_ConfirmSignUp",
      user: confirmed,
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    return {};
  };
