import type { SignUpRequest, SignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { checkAttributes, checkRequired, isEmail } from "../attributes.js";
import { sendConfirmationCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata, validationData } from "../parameters.js";
import { checkPasswordPolicy } from "../passwordPolicy.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import { preSignUp } from "../triggers/preSignUp.js";
import type { Wire } from "../wire.js";

export const SignUp =
  ({ store, clock, ids, mailbox, triggers }: Pick<CognitoServices, "store" | "clock" | "ids" | "mailbox" | "triggers">) =>
  async (input: SignUpRequest, ctx: RequestContext): Promise<Wire<SignUpResponse>> => {
    const { pool, client } = requireClient(store, input.ClientId!);
    checkSecretHash(client, input.SecretHash, [input.Username]);
    if ((pool.extra.AdminCreateUserConfig as { AllowAdminCreateUserOnly?: boolean } | undefined)?.AllowAdminCreateUserOnly) {
      throw CognitoErrors.notAuthorized("SignUp is not permitted for this user pool");
    }
    const attributes = checkAttributes(pool, input.UserAttributes);
    const emailIsUsername = pool.usernameAttributes.includes("email");
    let username = input.Username!;
    const sub = ids.uuid();
    if (emailIsUsername) {
      if (!isEmail(username)) throw CognitoErrors.invalidParameter("Username should be an email.");
      attributes.email = username;
      if (store.findUser(pool, username)) throw CognitoErrors.usernameExists("An account with the given email already exists.");
      username = sub;
    } else if (store.userByUsername(pool, username)) {
      throw CognitoErrors.usernameExists();
    }
    checkRequired(pool, attributes);
    // A user may sign up without a password only where passwordless sign-in is available, which
    // rekognito does not implement: every pool here needs one.
    if (!input.Password) throw CognitoErrors.invalidParameter("A password is required: passwordless sign-in is not available in this user pool.");
    checkPasswordPolicy(pool, input.Password);
    const decided = await preSignUp(triggerCall(triggers, pool, ctx, client.id), {
      source: "PreSignUp_SignUp",
      userName: username,
      userAttributes: attributes,
      validationData: validationData(input.ValidationData),
      clientMetadata: clientMetadata(input.ClientMetadata),
    });
    if (decided.autoVerifyEmail && attributes.email) attributes.email_verified = "true";
    if (decided.autoVerifyPhone && attributes.phone_number) attributes.phone_number_verified = "true";
    const now = clock.now();
    let user: UserRecord = {
      poolId: pool.id,
      username,
      sub,
      attributes,
      status: decided.autoConfirmUser ? "CONFIRMED" : "UNCONFIRMED",
      enabled: true,
      createdAt: now,
      updatedAt: now,
      password: store.hashPassword(input.Password!),
      code: null,
    };
    let delivery;
    if (!decided.autoConfirmUser) ({ user, delivery } = sendConfirmationCode({ store, mailbox, clock }, pool, user, "SignUp"));
    store.putUser(user);
    return { UserConfirmed: decided.autoConfirmUser, UserSub: sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
  };
