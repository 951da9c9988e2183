import type { AdminCreateUserRequest, AdminCreateUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkAttributes, checkRequired, isEmail } from "../attributes.js";
import { deliverCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import { clientMetadata, validationData } from "../parameters.js";
import { checkPasswordPolicy, generatedPassword, passwordFields } from "../passwords.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import { preSignUp } from "../triggers/preSignUp.js";
import { userView } from "../views.js";
import type { Wire } from "../wire.js";

/**
 * Creates a user with a temporary password (FORCE_CHANGE_PASSWORD) and mails the invitation;
 * MessageAction RESEND gives an invited user a new temporary password and a new validity period.
 */
export const AdminCreateUser =
  ({ store, clock, ids, mailbox, triggers }: Pick<CognitoServices, "store" | "clock" | "ids" | "mailbox" | "triggers">) =>
  async (input: AdminCreateUserRequest, ctx: RequestContext): Promise<Wire<AdminCreateUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const call = triggerCall(triggers, pool, ctx, "CLIENT_ID_NOT_APPLICABLE");
    const metadata = clientMetadata(input.ClientMetadata);
    const existing = store.findUser(pool, input.Username!);
    const invite = async (user: UserRecord, password: string) => {
      const email = user.attributes.email;
      if (!email) return;
      await deliverCode({ mailbox }, call, { purpose: "AdminCreateUser", user, to: email, code: password, clientMetadata: metadata, username: input.Username! });
    };
    if (input.MessageAction === "RESEND") {
      if (!existing) throw CognitoErrors.userNotFound();
      if (existing.status !== "FORCE_CHANGE_PASSWORD") throw CognitoErrors.unsupportedOperation("Resend not possible. " + existing.username + " status is not FORCE_CHANGE_PASSWORD");
      const temporary = input.TemporaryPassword ?? generatedPassword(ids, pool);
      checkPasswordPolicy(pool, temporary);
      const renewed: UserRecord = {
        ...existing,
        ...passwordFields({ store, ids, clock }, pool, existing.username, temporary, { temporary: true }),
        updatedAt: clock.now(),
      };
      store.putUser(renewed);
      await invite(renewed, temporary);
      return { User: userView(renewed) };
    }
    const attributes = checkAttributes(pool, input.UserAttributes);
    const sub = ids.uuid();
    let username = input.Username!;
    if (pool.usernameAttributes.includes("email")) {
      if (!isEmail(username)) throw CognitoErrors.invalidParameter("Username should be an email.");
      attributes.email ??= username;
      if (existing) throw CognitoErrors.usernameExists("An account with the given email already exists.");
      username = sub;
    } else if (existing && existing.username === username) {
      throw CognitoErrors.usernameExists();
    }
    checkRequired(pool, attributes);
    const temporary = input.TemporaryPassword ?? generatedPassword(ids, pool);
    checkPasswordPolicy(pool, temporary);
    await preSignUp(call, {
      source: "PreSignUp_AdminCreateUser",
      userName: username,
      userAttributes: attributes,
      validationData: validationData(input.ValidationData),
      clientMetadata: metadata,
    });
    const now = clock.now();
    const user: UserRecord = {
      poolId: pool.id,
      username,
      sub,
      attributes,
      status: "FORCE_CHANGE_PASSWORD",
      enabled: true,
      createdAt: now,
      updatedAt: now,
      ...passwordFields({ store, ids, clock }, pool, username, temporary, { temporary: true }),
      code: null,
    };
    store.putUser(user);
    if (input.MessageAction !== "SUPPRESS") await invite(user, temporary);
    return { User: userView(user) };
  };
