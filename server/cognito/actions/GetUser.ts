import type { GetUserRequest, GetUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { attributeList } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const GetUser =
  ({ store, tokens }: Pick<CognitoServices, "store" | "tokens">) =>
  async (input: GetUserRequest): Promise<Wire<GetUserResponse>> => {
    const { pool, claims } = tokens.verifyAccessToken(input.AccessToken!);
    const user = store.userByUsername(pool, String(claims.username));
    if (!user) throw CognitoErrors.userNotFound();
    if (!user.enabled) throw CognitoErrors.userDisabled();
    return { Username: user.username, UserAttributes: attributeList(user) };
  };
