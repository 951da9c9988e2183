import type { UpdateUserAttributesRequest, UpdateUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkAttributeChanges, updateOwnAttributes } from "../attributeUpdates.js";
import { requireTokenUser } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import type { Wire } from "../wire.js";

/** The signed-in user changes their attributes; a new email address gets a code (CodeDeliveryDetailsList) for VerifyUserAttribute. */
export const UpdateUserAttributes =
  ({ store, tokens, clock, mailbox, triggers }: Pick<CognitoServices, "store" | "tokens" | "clock" | "mailbox" | "triggers">) =>
  async (input: UpdateUserAttributesRequest, ctx: RequestContext): Promise<Wire<UpdateUserAttributesResponse>> => {
    const { pool, user, claims } = requireTokenUser({ store, tokens }, input.AccessToken!);
    const changes = checkAttributeChanges(store, pool, user, input.UserAttributes);
    const call = triggerCall(triggers, pool, ctx, String(claims.client_id ?? ""));
    const updated = await updateOwnAttributes({ store, clock, mailbox }, call, user, changes, clientMetadata(input.ClientMetadata));
    store.putUser(updated.user);
    return updated.deliveries.length ? { CodeDeliveryDetailsList: updated.deliveries } : {};
  };
