import type { DeleteUserAttributesRequest, DeleteUserAttributesResponse } from "@aws-sdk/client-cognito-identity-provider";
import { withoutAttributes } from "../attributeDeletes.js";
import { requireTokenUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const DeleteUserAttributes =
  ({ store, tokens, clock }: Pick<CognitoServices, "store" | "tokens" | "clock">) =>
  async (input: DeleteUserAttributesRequest): Promise<Wire<DeleteUserAttributesResponse>> => {
    const { pool, user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    store.putUser({ ...withoutAttributes(pool, user, input.UserAttributeNames ?? []), updatedAt: clock.now() });
    return {};
  };
