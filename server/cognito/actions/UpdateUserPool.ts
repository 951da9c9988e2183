import type { UpdateUserPoolRequest, UpdateUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import { requirePool } from "../shared.js";
import type { CognitoAction } from "../types.js";
import { poolSettings } from "./CreateUserPool.js";

/** As on AWS, settings left out of the request return to their defaults (LambdaConfig included). */
export const UpdateUserPool: CognitoAction<UpdateUserPoolRequest, UpdateUserPoolResponse> = (svc) => (input) => {
  const pool = requirePool(svc.store, input.UserPoolId!);
  const settings = poolSettings(input);
  const kept = pool.extra.UsernameConfiguration ? { UsernameConfiguration: pool.extra.UsernameConfiguration } : {};
  svc.store.putPool({
    ...pool,
    ...settings,
    extra: { ...kept, ...settings.extra },
    name: input.PoolName ?? pool.name,
    updatedAt: svc.core.clock.now(),
  });
  return {};
};
