import type { ConfirmSignUpRequest, ConfirmSignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import { checkSecretHash } from "../authFlow.js";
import { CognitoErrors } from "../errors.js";
import { metadata, requireClient } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { runPostConfirmation } from "../users.js";

export const ConfirmSignUp: CognitoAction<ConfirmSignUpRequest, ConfirmSignUpResponse> = (svc) => async (input, ctx) => {
  const { pool, client } = requireClient(svc.store, input.ClientId!);
  const user = svc.store.findUser(pool, input.Username!);
  checkSecretHash(client, input.SecretHash, [input.Username, user?.username]);
  if (!user) {
    if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.codeMismatch();
    throw CognitoErrors.userNotFound();
  }
  if (user.status !== "UNCONFIRMED") throw CognitoErrors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
  if (!user.code || user.code.code !== input.ConfirmationCode) throw CognitoErrors.codeMismatch();
  if (user.code.expiresAt <= svc.core.clock.now()) throw CognitoErrors.expiredCode();
  const confirmed = {
    ...user,
    status: "CONFIRMED" as const,
    code: null,
    attributes: { ...user.attributes, ...(user.attributes.email ? { email_verified: "true" } : {}) },
    updatedAt: svc.core.clock.now(),
  };
  svc.store.putUser(confirmed);
  await runPostConfirmation(svc, ctx, pool, client.id, confirmed, metadata(input.ClientMetadata));
  return {};
};
