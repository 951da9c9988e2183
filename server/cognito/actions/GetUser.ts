import type { GetUserRequest, GetUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { attributeList } from "../attributes.js";
import { requireTokenUser } from "../lookups.js";
import { mfaSettingsView } from "../mfaPreference.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const GetUser =
  ({ store, tokens }: Pick<CognitoServices, "store" | "tokens">) =>
  async (input: GetUserRequest): Promise<Wire<GetUserResponse>> => {
    const { user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    return { Username: user.username, UserAttributes: attributeList(user), ...mfaSettingsView(user) };
  };
