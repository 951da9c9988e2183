import type { ResendConfirmationCodeRequest, ResendConfirmationCodeResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkSecretHash } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { sendConfirmationCode } from "../users.js";

export const ResendConfirmationCode: CognitoAction<ResendConfirmationCodeRequest, ResendConfirmationCodeResponse> = (svc) => (input) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  const user = svc.store.findUser(pool, input.Username!);
  checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
  if (!user) {
    if (client.preventUserExistenceErrors === "ENABLED") {
      // A code "sent" to a simulated destination, as AWS answers for an unknown user.
      return { CodeDeliveryDetails: { Destination: "u***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" } };
    }
    throw CognitoErrors.userNotFound();
  }
  if (user.status !== "UNCONFIRMED") throw CognitoErrors.invalidParameter("User is already confirmed.");
  const { user: updated, delivery } = sendConfirmationCode(svc, pool, user, "ResendCode");
  if (!delivery) throw CognitoErrors.invalidParameter("Cannot resend codes. Auto verification not turned on.");
  svc.store.putUser(updated);
  return { CodeDeliveryDetails: delivery };
};
