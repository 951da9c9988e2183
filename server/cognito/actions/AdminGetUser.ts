import type { AdminGetUserRequest, AdminGetUserResponse } from "@aws-sdk/client-cognito-identity-provider";
import { attributeList } from "../attributes.js";
import { requirePool, requireUser } from "../lookups.js";
import { mfaSettingsView } from "../mfaPreference.js";
import type { CognitoServices } from "../services.js";
import { epochSeconds, type Wire } from "../wire.js";

export const AdminGetUser =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: AdminGetUserRequest): Promise<Wire<AdminGetUserResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    return {
      Username: user.username,
      UserAttributes: attributeList(user),
      UserCreateDate: epochSeconds(user.createdAt),
      UserLastModifiedDate: epochSeconds(user.updatedAt),
      Enabled: user.enabled,
      UserStatus: user.status,
      ...mfaSettingsView(user),
    };
  };
