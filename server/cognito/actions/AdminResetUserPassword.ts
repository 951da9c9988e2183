import type { AdminResetUserPasswordRequest, AdminResetUserPasswordResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { deliverCode, pendingCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requirePool, requireUser } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import type { Wire } from "../wire.js";

/**
 * Makes the user reset their password: the old one stops working (PasswordResetRequiredException
 * at sign-in, status RESET_REQUIRED) and a reset code is mailed, for ConfirmForgotPassword.
 */
export const AdminResetUserPassword =
  ({ store, clock, mailbox, triggers }: Pick<CognitoServices, "store" | "clock" | "mailbox" | "triggers">) =>
  async (input: AdminResetUserPasswordRequest, ctx: RequestContext): Promise<Wire<AdminResetUserPasswordResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    const email = user.attributes.email;
    if (!email || user.attributes.email_verified !== "true") throw CognitoErrors.noRecoveryAddress();
    const pending = pendingCode({ store, clock });
    await deliverCode({ mailbox }, triggerCall(triggers, pool, ctx, "CLIENT_ID_NOT_APPLICABLE"), {
      purpose: "ForgotPassword",
      user,
      to: email,
      code: pending.code,
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    store.putUser({ ...user, status: user.status === "UNCONFIRMED" ? "UNCONFIRMED" : "RESET_REQUIRED", resetCode: pending, updatedAt: clock.now() });
    return {};
  };
