import type { AdminConfirmSignUpRequest, AdminConfirmSignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { CognitoErrors } from "../errors.js";
import { requirePool, requireUser } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import { postConfirmation } from "../triggers/postConfirmation.js";
import type { Wire } from "../wire.js";

export const AdminConfirmSignUp =
  ({ store, clock, triggers }: Pick<CognitoServices, "store" | "clock" | "triggers">) =>
  async (input: AdminConfirmSignUpRequest, ctx: RequestContext): Promise<Wire<AdminConfirmSignUpResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    if (user.status !== "UNCONFIRMED") throw CognitoErrors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    const confirmed = { ...user, status: "CONFIRMED" as const, code: null, updatedAt: clock.now() };
    store.putUser(confirmed);
    await postConfirmation(triggerCall(triggers, pool, ctx, "CLIENT_ID_NOT_APPLICABLE"), {
      source: "PostConfirmation_ConfirmSignUp",
      user: confirmed,
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    return {};
  };
