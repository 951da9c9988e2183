import type { SignUpRequest, SignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { checkSecretHash } from "../appClients.js";
import { checkAttributes, checkRequired, isEmail } from "../attributes.js";
import { sendConfirmationCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireClient } from "../lookups.js";
import { clientMetadata, validationData } from "../parameters.js";
import { checkPasswordPolicy, passwordFields } from "../passwords.js";
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
    // A user may sign up without a password only where the pool lets them sign in without one
    // (SignInPolicy.AllowedFirstAuthFactors with EMAIL_OTP).
    if (input.Password === undefined || input.Password === "") {
      if (!(pool.firstAuthFactors ?? []).includes("EMAIL_OTP")) {
        throw CognitoErrors.invalidParameter("A password is required: passwordless sign-in is not available in this user pool.");
      }
    } else {
      checkPasswordPolicy(pool, input.Password);
    }
    const call = triggerCall(triggers, pool, ctx, client.id);
    const metadata = clientMetadata(input.ClientMetadata);
    const decided = await preSignUp(call, {
      source: "PreSignUp_SignUp",
      userName: username,
      userAttributes: attributes,
      validationData: validationData(input.ValidationData),
      clientMetadata: metadata,
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
      ...(input.Password ? passwordFields({ store, ids, clock }, pool, username, input.Password, { temporary: false }) : { password: null, srp: null }),
      code: null,
    };
    let delivery;
    if (!decided.autoConfirmUser) ({ user, delivery } = await sendConfirmationCode({ store, mailbox, clock }, call, { user, purpose: "SignUp", clientMetadata: metadata }));
    store.putUser(user);
    return { UserConfirmed: decided.autoConfirmUser, UserSub: sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
  };
