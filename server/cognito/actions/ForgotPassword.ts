import type { ForgotPasswordRequest, ForgotPasswordResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { isEmail, maskEmail } from "../attributes.js";
import { deliverCode, pendingCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata } from "../parameters.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import { userMigration } from "../triggers/userMigration.js";
import type { Wire } from "../wire.js";

/**
 * Mails a password reset code to the user's verified email address; ConfirmForgotPassword takes it
 * with the new password. The user keeps signing in with the old password until then, as on AWS.
 * A user the pool does not know may come from User Migration (UserMigration_ForgotPassword).
 */
export const ForgotPassword =
  ({ store, clock, ids, mailbox, triggers }: Pick<CognitoServices, "store" | "clock" | "ids" | "mailbox" | "triggers">) =>
  async (input: ForgotPasswordRequest, ctx: RequestContext): Promise<Wire<ForgotPasswordResponse>> => {
    const { pool, client } = requireClient(store, input.ClientId!);
    const call = triggerCall(triggers, pool, ctx, client.id);
    const metadata = clientMetadata(input.ClientMetadata);
    let user: UserRecord | null = store.findUser(pool, input.Username!) ?? null;
    checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
    if (!user) {
      const migrated = await userMigration(call, { source: "UserMigration_ForgotPassword", userName: input.Username!, password: undefined, validationData: undefined, clientMetadata: metadata });
      if (migrated) {
        const { sub: _sub, ...attributes } = migrated.userAttributes;
        const sub = ids.uuid();
        const emailIsUsername = pool.usernameAttributes.includes("email");
        if (emailIsUsername && isEmail(input.Username!)) attributes.email ??= input.Username!;
        const now = clock.now();
        user = {
          poolId: pool.id,
          username: emailIsUsername ? sub : input.Username!,
          sub,
          attributes,
          status: "RESET_REQUIRED",
          enabled: true,
          createdAt: now,
          updatedAt: now,
          password: null,
          srp: null,
          code: null,
        };
        store.putUser(user);
      }
    }
    if (!user) {
      if (client.preventUserExistenceErrors === "ENABLED") {
        // A code "sent" to a simulated destination, as AWS answers for an unknown user.
        const shown = isEmail(input.Username!) ? maskEmail(input.Username!) : "u***@e***";
        return { CodeDeliveryDetails: { Destination: shown, DeliveryMedium: "EMAIL", AttributeName: "email" } };
      }
      throw CognitoErrors.userNotFound();
    }
    if (!user.enabled) throw CognitoErrors.userDisabled();
    const email = user.attributes.email;
    // A migrated user's address is the old system's: it counts as verified.
    const verified = user.attributes.email_verified === "true" || (user.status === "RESET_REQUIRED" && !user.password);
    if (!email || !verified) throw CognitoErrors.noRecoveryAddress();
    const pending = pendingCode({ store, clock });
    const delivery = await deliverCode({ mailbox }, call, { purpose: "ForgotPassword", user, to: email, code: pending.code, clientMetadata: metadata });
    store.putUser({ ...user, resetCode: pending });
    return { CodeDeliveryDetails: delivery };
  };
