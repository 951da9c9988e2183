import type { GetUserAttributeVerificationCodeRequest, GetUserAttributeVerificationCodeResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { deliverCode, pendingCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireTokenUser } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import type { Wire } from "../wire.js";

/** Mails a code to the signed-in user's email address (or the new one waiting), for VerifyUserAttribute. */
export const GetUserAttributeVerificationCode =
  ({ store, tokens, clock, mailbox, triggers }: Pick<CognitoServices, "store" | "tokens" | "clock" | "mailbox" | "triggers">) =>
  async (input: GetUserAttributeVerificationCodeRequest, ctx: RequestContext): Promise<Wire<GetUserAttributeVerificationCodeResponse>> => {
    const { pool, user, claims } = requireTokenUser({ store, tokens }, input.AccessToken!);
    const name = input.AttributeName!;
    if (name !== "email") throw CognitoErrors.notImplemented(`Verifying ${name} (codes go by email only)`);
    const waiting = user.attributeCodes?.email?.value;
    const to = waiting ?? user.attributes.email;
    if (!to) throw CognitoErrors.invalidParameter("The user has no email address to verify.");
    const pending = { ...pendingCode({ store, clock }), ...(waiting !== undefined ? { value: waiting } : {}) };
    const delivery = await deliverCode({ mailbox }, triggerCall(triggers, pool, ctx, String(claims.client_id ?? "")), {
      purpose: "VerifyUserAttribute",
      user,
      to,
      code: pending.code,
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    store.putUser({ ...user, attributeCodes: { ...user.attributeCodes, email: pending } });
    return { CodeDeliveryDetails: delivery };
  };
