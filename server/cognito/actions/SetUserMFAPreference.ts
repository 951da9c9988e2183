import type { SetUserMFAPreferenceRequest, SetUserMFAPreferenceResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requireTokenUser } from "../lookups.js";
import { applyMfaPreference } from "../mfaPreference.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const SetUserMFAPreference =
  ({ store, tokens, clock }: Pick<CognitoServices, "store" | "tokens" | "clock">) =>
  async (input: SetUserMFAPreferenceRequest): Promise<Wire<SetUserMFAPreferenceResponse>> => {
    const { user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    store.putUser({ ...applyMfaPreference(user, input), updatedAt: clock.now() });
    return {};
  };
