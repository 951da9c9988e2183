import type { ResendConfirmationCodeRequest, ResendConfirmationCodeResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { sendConfirmationCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import { triggerCall } from "../triggers/call.js";
import type { Wire } from "../wire.js";

export const ResendConfirmationCode =
  ({ store, mailbox, clock, triggers }: Pick<CognitoServices, "store" | "mailbox" | "clock" | "triggers">) =>
  async (input: ResendConfirmationCodeRequest, ctx: RequestContext): Promise<Wire<ResendConfirmationCodeResponse>> => {
    const { pool, client } = requireClient(store, input.ClientId!);
    const user = store.findUser(pool, input.Username!);
    checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
    if (!user) {
      if (client.preventUserExistenceErrors === "ENABLED") {
        // A code "sent" to a simulated destination, as AWS answers for an unknown user.
        return { CodeDeliveryDetails: { Destination: "u***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" } };
      }
      throw CognitoErrors.userNotFound();
    }
    if (user.status !== "UNCONFIRMED") throw CognitoErrors.invalidParameter("User is already confirmed.");
    const { user: updated, delivery } = await sendConfirmationCode({ store, mailbox, clock }, triggerCall(triggers, pool, ctx, client.id), {
      user,
      purpose: "ResendCode",
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    if (!delivery) throw CognitoErrors.invalidParameter("Cannot resend codes. Auto verification not turned on.");
    store.putUser(updated);
    return { CodeDeliveryDetails: delivery };
  };
