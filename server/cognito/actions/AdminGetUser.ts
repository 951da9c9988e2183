import type { AdminGetUserRequest, AdminGetUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { attributeList, requirePool, requireUser } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { epochSeconds } from "../types.js";

export const AdminGetUser: CognitoAction<AdminGetUserRequest, AdminGetUserResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const user = requireUser(svc.store, pool, input.Username!);
  return {
    Username: user.username,
    UserAttributes: attributeList(user),
    UserCreateDate: epochSeconds(user.createdAt),
    UserLastModifiedDate: epochSeconds(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
};
