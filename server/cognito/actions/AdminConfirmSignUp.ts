import type { AdminConfirmSignUpRequest, AdminConfirmSignUpResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { metadata, requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { runPostConfirmation } from "../users.js";

export const AdminConfirmSignUp: CognitoAction<AdminConfirmSignUpRequest, AdminConfirmSignUpResponse> = (svc) => async (input, ctx) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  if (user.status !== "UNCONFIRMED") throw CognitoErrors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
  const confirmed = { ...user, status: "CONFIRMED" as const, code: null, updatedAt: svc.core.clock.now() };
  svc.store.putUser(confirmed);
  await runPostConfirmation(svc, ctx, pool, "CLIENT_ID_NOT_APPLICABLE", confirmed, metadata(input.ClientMetadata));
  return {};
};
