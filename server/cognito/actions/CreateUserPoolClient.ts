import type {
  CreateUserPoolClientRequest,
  CreateUserPoolClientResponse,
  UpdateUserPoolClientRequest,
} from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { ClientRecord } from "../store.js";
import { tokenLifetimes } from "../tokens/lifetimes.js";
import { clientView } from "../views.js";
import type { Wire } from "../wire.js";

/** Settings shared by CreateUserPoolClient and UpdateUserPoolClient; omitted ones take AWS's defaults. */
export function clientSettings(input: Omit<UpdateUserPoolClientRequest, "ClientId" | "UserPoolId">) {
  const flows = input.ExplicitAuthFlows ?? [];
  const allowPrefixed = flows.filter((f) => f.startsWith("ALLOW_")).length;
  if (allowPrefixed && allowPrefixed !== flows.length) {
    throw CognitoErrors.invalidParameter("ExplicitAuthFlow combination of legacy and new flows is not allowed.");
  }
  const extra: Record<string, unknown> = {};
  for (const key of ["ReadAttributes", "WriteAttributes", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes"] as const) {
    if (input[key] !== undefined) extra[key] = input[key];
  }
  if (input.AllowedOAuthFlowsUserPoolClient) extra.AllowedOAuthFlowsUserPoolClient = true;
  const settings: Omit<ClientRecord, "id" | "poolId" | "secret" | "createdAt" | "updatedAt"> = {
    name: input.ClientName ?? "",
    explicitAuthFlows: flows,
    preventUserExistenceErrors: input.PreventUserExistenceErrors ?? "LEGACY",
    authSessionValidity: input.AuthSessionValidity ?? 3,
    refreshTokenValidity: input.RefreshTokenValidity || 30,
    accessTokenValidity: input.AccessTokenValidity ?? null,
    idTokenValidity: input.IdTokenValidity ?? null,
    tokenValidityUnits: input.TokenValidityUnits ?? null,
    enableTokenRevocation: input.EnableTokenRevocation ?? true,
    extra,
  };
  if (input.RefreshTokenRotation) {
    const grace = input.RefreshTokenRotation.RetryGracePeriodSeconds ?? 0;
    settings.refreshTokenRotation = { enabled: input.RefreshTokenRotation.Feature === "ENABLED", retryGracePeriodSeconds: grace };
  }
  // AWS's ranges: access and ID tokens 5 minutes to 1 day, refresh tokens 1 hour to 10 years.
  const life = tokenLifetimes(settings);
  if (life.access < 300 || life.access > 86400) throw CognitoErrors.invalidParameter("Invalid range for token validity.");
  if (life.id < 300 || life.id > 86400) throw CognitoErrors.invalidParameter("Invalid range for token validity.");
  if (life.refresh < 3600 || life.refresh > 315360000) throw CognitoErrors.invalidParameter("Invalid range for token validity.");
  if (life.access > life.refresh || life.id > life.refresh) {
    throw CognitoErrors.invalidParameter("Refresh token validity must be greater than access token and id token validity.");
  }
  return settings;
}

export const CreateUserPoolClient =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: CreateUserPoolClientRequest): Promise<Wire<CreateUserPoolClientResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const now = clock.now();
    const client: ClientRecord = {
      id: store.newClientId(),
      poolId: pool.id,
      secret: input.GenerateSecret ? store.newClientSecret() : null,
      createdAt: now,
      updatedAt: now,
      ...clientSettings(input),
    };
    store.putClient(client);
    return { UserPoolClient: clientView(client) };
  };
