import type { DeleteUserRequest } from "@aws-sdk/client-cognito-identity-provider";
import { requireTokenUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";

/** The signed-in user deletes themself; every token they hold stops working. */
export const DeleteUser =
  ({ store, tokens }: Pick<CognitoServices, "store" | "tokens">) =>
  async (input: DeleteUserRequest): Promise<Record<string, never>> => {
    const { user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    store.revokeUserTokens(user);
    store.deleteUser(user);
    return {};
  };
