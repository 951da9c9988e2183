import type { UpdateUserPoolRequest, UpdateUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";
import { poolSettings } from "./CreateUserPool.js";

/** As on AWS, settings left out of the request return to their defaults (LambdaConfig included). */
export const UpdateUserPool =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: UpdateUserPoolRequest): Promise<Wire<UpdateUserPoolResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const settings = poolSettings(input, pool);
    const kept = pool.extra.UsernameConfiguration ? { UsernameConfiguration: pool.extra.UsernameConfiguration } : {};
    store.putPool({
      ...pool,
      ...settings,
      extra: { ...kept, ...settings.extra },
      name: input.PoolName ?? pool.name,
      updatedAt: clock.now(),
    });
    return {};
  };
