import type { AdminSetUserMFAPreferenceRequest, AdminSetUserMFAPreferenceResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool, requireUser } from "../lookups.js";
import { applyMfaPreference } from "../mfaPreference.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

export const AdminSetUserMFAPreference =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: AdminSetUserMFAPreferenceRequest): Promise<Wire<AdminSetUserMFAPreferenceResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const user = requireUser(store, pool, input.Username!);
    store.putUser({ ...applyMfaPreference(user, input), updatedAt: clock.now() });
    return {};
  };
