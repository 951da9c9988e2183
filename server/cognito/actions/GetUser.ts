import type { GetUserRequest, GetUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { attributeList } from "../shared.js";
import type { CognitoAction } from "../types.js";

export const GetUser: CognitoAction<GetUserRequest, GetUserResponse> = (svc) => (input) => {
  const { pool, claims } = svc.tokens.verifyAccessToken(input.AccessToken!);
  const user = svc.store.userByUsername(pool, String(claims.username));
  if (!user) throw CognitoErrors.userNotFound();
  if (!user.enabled) throw CognitoErrors.userDisabled();
  return { Username: user.username, UserAttributes: attributeList(user) };
};
