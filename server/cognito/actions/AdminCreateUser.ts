import type { AdminCreateUserRequest, AdminCreateUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { randomString } from "../../core/ids.js";
import type { RequestContext } from "../../protocol/json.js";
import { checkAttributes, checkRequired, isEmail } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import { clientMetadata, validationData } from "../parameters.js";
import { checkPasswordPolicy } from "../passwordPolicy.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import { preSignUp } from "../triggers/preSignUp.js";
import { userView } from "../views.js";
import type { Wire } from "../wire.js";

export const AdminCreateUser =
  ({ store, clock, ids, mailbox, triggers }: Pick<CognitoServices, "store" | "clock" | "ids" | "mailbox" | "triggers">) =>
  async (input: AdminCreateUserRequest, ctx: RequestContext): Promise<Wire<AdminCreateUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const existing = store.findUser(pool, input.Username!);
    const invite = (user: UserRecord, password: string | undefined) => {
      const email = user.attributes.email;
      if (!email) return;
      mailbox.send({
        to: email,
        subject: "Your temporary password",
        body: `Your username is ${input.Username} and temporary password is ${password ?? "(unchanged)"}.`,
        code: password ?? null,
        reason: "AdminCreateUser",
        userPoolId: pool.id,
        username: user.username,
      });
    };
    if (input.MessageAction === "RESEND") {
      if (!existing) throw CognitoErrors.userNotFound();
      if (existing.status !== "FORCE_CHANGE_PASSWORD") throw CognitoErrors.unsupportedOperation("Resend not possible. " + existing.username + " status is not FORCE_CHANGE_PASSWORD");
      invite(existing, input.TemporaryPassword);
      return { User: userView(existing) };
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
    // A generated password satisfies any policy: letters and digits, plus one of each class.
    const temporary = input.TemporaryPassword ?? `${randomString(ids, Math.max(8, pool.passwordPolicy.MinimumLength))}a1A!`;
    checkPasswordPolicy(pool, temporary);
    await preSignUp(triggerCall(triggers, pool, ctx, "CLIENT_ID_NOT_APPLICABLE"), {
      source: "PreSignUp_AdminCreateUser",
      userName: username,
      userAttributes: attributes,
      validationData: validationData(input.ValidationData),
      clientMetadata: clientMetadata(input.ClientMetadata),
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
      password: store.hashPassword(temporary),
      code: null,
    };
    store.putUser(user);
    if (input.MessageAction !== "SUPPRESS") invite(user, temporary);
    return { User: userView(user) };
  };
