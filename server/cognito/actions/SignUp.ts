import type { SignUpRequest, SignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkPasswordPolicy, checkSecretHash } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { checkAttributes, checkRequired, isEmail, metadata, requireClient } from "../shared.js";
import type { UserRecord } from "../store.js";
import type { CognitoAction } from "../types.js";
import { runPreSignUp, sendConfirmationCode } from "../users.js";

export const SignUp: CognitoAction<SignUpRequest, SignUpResponse> = (svc) => async (input, ctx) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  checkSecretHash(client, input.SecretHash, [input.Username]);
  if ((pool.extra.AdminCreateUserConfig as { AllowAdminCreateUserOnly?: boolean } | undefined)?.AllowAdminCreateUserOnly) {
    throw CognitoErrors.notAuthorized("SignUp is not permitted for this user pool");
  }
  const attributes = checkAttributes(pool, input.UserAttributes);
  const emailIsUsername = pool.usernameAttributes.includes("email");
  let username = input.Username!;
  const sub = svc.core.ids.uuid();
  if (emailIsUsername) {
    if (!isEmail(username)) throw CognitoErrors.invalidParameter("Username should be an email.");
    attributes.email = username;
    if (svc.store.findUser(pool, username)) throw CognitoErrors.usernameExists("An account with the given email already exists.");
    username = sub;
  } else if (svc.store.userByUsername(pool, username)) {
    throw CognitoErrors.usernameExists();
  }
  checkRequired(pool, attributes);
  // A user may sign up without a password only where passwordless sign-in is available, which
  // rekognito does not implement: every pool here needs one.
  if (!input.Password) throw CognitoErrors.invalidParameter("A password is required: passwordless sign-in is not available in this user pool.");
  checkPasswordPolicy(pool, input.Password);
  const decided = await runPreSignUp(
    svc, ctx, pool, client.id, "PreSignUp_SignUp", username, attributes,
    metadata(Object.fromEntries((input.ValidationData ?? []).map((a) => [a.Name!, a.Value ?? ""]))),
    metadata(input.ClientMetadata),
  );
  if (decided.autoVerifyEmail && attributes.email) attributes.email_verified = "true";
  if (decided.autoVerifyPhone && attributes.phone_number) attributes.phone_number_verified = "true";
  const now = svc.core.clock.now();
  let user: UserRecord = {
    poolId: pool.id,
    username,
    sub,
    attributes,
    status: decided.autoConfirmUser ? "CONFIRMED" : "UNCONFIRMED",
    enabled: true,
    createdAt: now,
    updatedAt: now,
    password: svc.store.hashPassword(input.Password!),
    code: null,
  };
  let delivery;
  if (!decided.autoConfirmUser) ({ user, delivery } = sendConfirmationCode(svc, pool, user, "SignUp"));
  svc.store.putUser(user);
  return { UserConfirmed: decided.autoConfirmUser, UserSub: sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
};
