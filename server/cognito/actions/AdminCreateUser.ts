import type { AdminCreateUserRequest, AdminCreateUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkPasswordPolicy } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { checkAttributes, checkRequired, isEmail, metadata, requirePool, userView } from "../shared.js";
import type { UserRecord } from "../store.js";
import type { CognitoAction } from "../types.js";
import { randomString } from "../../core/ids.js";
import { runPreSignUp } from "../users.js";

export const AdminCreateUser: CognitoAction<AdminCreateUserRequest, AdminCreateUserResponse> = (svc) => async (input, ctx) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const existing = svc.store.findUser(pool, input.Username!);
  if (input.MessageAction === "RESEND") {
    if (!existing) throw CognitoErrors.userNotFound();
    if (existing.status !== "FORCE_CHANGE_PASSWORD") throw CognitoErrors.unsupportedOperation("Resend not possible. " + existing.username + " status is not FORCE_CHANGE_PASSWORD");
    invite(existing, input.TemporaryPassword);
    return { User: userView(existing) };
  }
  const attributes = checkAttributes(pool, input.UserAttributes);
  const sub = svc.core.ids.uuid();
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
  const temporary = input.TemporaryPassword ?? `${randomString(svc.core.ids, Math.max(8, pool.passwordPolicy.MinimumLength))}a1A!`;
  checkPasswordPolicy(pool, temporary);
  await runPreSignUp(
    svc, ctx, pool, "CLIENT_ID_NOT_APPLICABLE", "PreSignUp_AdminCreateUser", username, attributes,
    metadata(Object.fromEntries((input.ValidationData ?? []).map((a) => [a.Name!, a.Value ?? ""]))),
    metadata(input.ClientMetadata),
  );
  const now = svc.core.clock.now();
  const user: UserRecord = {
    poolId: pool.id,
    username,
    sub,
    attributes,
    status: "FORCE_CHANGE_PASSWORD",
    enabled: true,
    createdAt: now,
    updatedAt: now,
    password: svc.store.hashPassword(temporary),
    code: null,
  };
  svc.store.putUser(user);
  if (input.MessageAction !== "SUPPRESS") invite(user, temporary);
  return { User: userView(user) };

  function invite(user: UserRecord, password: string | undefined) {
    const email = user.attributes.email;
    if (!email) return;
    svc.mailbox.send({
      to: email,
      subject: "Your temporary password",
      body: `Your username is ${input.Username} and temporary password is ${password ?? "(unchanged)"}.`,
      code: password ?? null,
      reason: "AdminCreateUser",
      userPoolId: pool.id,
      username: user.username,
    });
  }
};
