import type { AuthenticationResultType } from "@aws-sdk/client-cognito-identity-provider";
import { randomString } from "../../core/ids.js";
import type { RequestContext } from "../../protocol/json.js";
import type { CognitoServices } from "../services.js";
import type { ClientRecord, PoolRecord, RefreshTokenRecord, UserRecord } from "../store.js";
import { triggerCall } from "../triggers/call.js";
import type { StringMap } from "../triggers/events.js";
import { preTokenGeneration, type ClaimChanges, type GroupClaims, type TokenSource } from "../triggers/preTokenGeneration.js";
import { epochSeconds, type Wire } from "../wire.js";
import { tokenLifetimes } from "./lifetimes.js";
import { issuerOf, type Claims } from "./signer.js";

/** What a sign-in's tokens are issued for. */
export interface IssueInput {
  pool: PoolRecord;
  client: ClientRecord;
  request: Pick<RequestContext, "userAgent" | "baseUrl">;
  user: UserRecord;
  source: TokenSource;
  clientMetadata: StringMap | undefined;
  /**
   * A refresh: the token refreshed (its origin and auth time carry over). No new refresh token,
   * unless `rotate` (the app client's RefreshTokenRotation with GetTokensFromRefreshToken).
   */
  refresh?: RefreshTokenRecord;
  rotate?: boolean;
  trace?: string;
}

/** Claims Cognito does not let PreTokenGeneration change (groups change through groupOverrideDetails). */
const PROTECTED_CLAIMS = new Set(["acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "cognito:groups", "cognito:roles", "cognito:preferred_role", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "event_id", "scope", "client_id", "username"]);

/**
 * The user's groups as the tokens carry them: names by precedence (lowest first; groups without
 * one last), their roles, and the preferred role: the role of the group with the lowest
 * precedence, unless two such groups tie (AWS then names none).
 */
export function groupClaims(store: CognitoServices["store"], user: UserRecord): GroupClaims {
  const groups = (user.groups ?? [])
    .map((name) => store.group(user.poolId, name))
    .filter((g): g is NonNullable<typeof g> => g !== undefined)
    .sort((a, b) => (a.precedence ?? Infinity) - (b.precedence ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const withRoles = groups.filter((g) => g.roleArn);
  let preferredRole: string | null = null;
  if (withRoles.length) {
    const best = withRoles[0]!;
    const tie = withRoles.filter((g) => (g.precedence ?? Infinity) === (best.precedence ?? Infinity)).length > 1;
    if (!tie || withRoles.length === 1) preferredRole = best.roleArn;
  }
  return { groups: groups.map((g) => g.name), roles: withRoles.map((g) => g.roleArn!), preferredRole };
}

/** An opaque refresh token (AWS's is a JWE; only rekognito reads these). */
function newRefreshToken(ids: CognitoServices["ids"]): string {
  return randomString(ids, 512, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}

/** Builds a sign-in's ID and access tokens, lets PreTokenGeneration change them, signs them and records the refresh token. */
export async function issueTokens(
  { clock, ids, tokens, store, triggers }: Pick<CognitoServices, "clock" | "ids" | "tokens" | "store" | "triggers">,
  input: IssueInput,
): Promise<Wire<AuthenticationResultType>> {
  const { pool, client, user } = input;
  const now = clock.now();
  const iat = epochSeconds(now);
  const lifetimes = tokenLifetimes(client);
  // AWS's jti, origin_jti and event_id are UUIDs.
  const originJti = input.refresh?.originJti ?? ids.uuid();
  const authTime = input.refresh?.authTime ?? iat;
  const eventId = ids.uuid();
  const iss = issuerOf(pool, input.request.baseUrl);

  const idClaims: Claims = { sub: user.sub };
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === "sub") continue;
    idClaims[name] = name === "email_verified" || name === "phone_number_verified" ? value === "true" : value;
  }
  Object.assign(idClaims, {
    iss,
    "cognito:username": user.username,
    origin_jti: originJti,
    aud: client.id,
    event_id: eventId,
    token_use: "id",
    auth_time: authTime,
    exp: iat + lifetimes.id,
    iat,
    jti: ids.uuid(),
  });

  const accessClaims: Claims = {
    sub: user.sub,
    iss,
    client_id: client.id,
    origin_jti: originJti,
    event_id: eventId,
    token_use: "access",
    scope: "aws.cognito.signin.user.admin",
    auth_time: authTime,
    exp: iat + lifetimes.access,
    iat,
    jti: ids.uuid(),
    username: user.username,
  };

  let groups = groupClaims(store, user);
  const overrides = await preTokenGeneration(triggerCall(triggers, pool, input.request, client.id, input.trace), {
    source: input.source,
    user,
    groups,
    scopes: String(accessClaims.scope).split(" "),
    clientMetadata: input.clientMetadata,
  });
  if (overrides?.groups) groups = { ...groups, ...overrides.groups };
  if (groups.groups.length) {
    idClaims["cognito:groups"] = groups.groups;
    accessClaims["cognito:groups"] = groups.groups;
  }
  if (groups.roles.length) idClaims["cognito:roles"] = groups.roles;
  if (groups.preferredRole) idClaims["cognito:preferred_role"] = groups.preferredRole;
  if (overrides?.id) applyClaimChanges(idClaims, overrides.id);
  if (overrides?.access) {
    applyClaimChanges(accessClaims, overrides.access);
    const scopes = new Set(String(accessClaims.scope).split(" "));
    for (const s of overrides.access.scopesToSuppress) scopes.delete(s);
    for (const s of overrides.access.scopesToAdd) scopes.add(s);
    accessClaims.scope = [...scopes].join(" ");
  }

  const [AccessToken, IdToken] = await Promise.all([tokens.sign(pool, accessClaims), tokens.sign(pool, idClaims)]);
  const result: Wire<AuthenticationResultType> = { AccessToken, ExpiresIn: lifetimes.access, TokenType: "Bearer", IdToken };
  if (input.refresh && input.rotate) {
    // The old token keeps working for the grace period after it was replaced.
    if (input.refresh.rotatedAt === undefined) store.putRefreshToken({ ...input.refresh, rotatedAt: now });
  }
  if (!input.refresh || input.rotate) {
    const token = newRefreshToken(ids);
    store.putRefreshToken({
      token,
      poolId: pool.id,
      clientId: client.id,
      username: user.username,
      originJti,
      authTime,
      // A rotated token lives as long as a new sign-in's would (AWS's rotation renews it).
      expiresAt: now + lifetimes.refresh * 1000,
      revoked: false,
    });
    result.RefreshToken = token;
  }
  return result;
}

/** A trigger's changes to one token; protected claims stay as they are. */
function applyClaimChanges(claims: Claims, changes: ClaimChanges): void {
  for (const name of changes.suppress) if (!PROTECTED_CLAIMS.has(name)) delete claims[name];
  for (const [name, value] of Object.entries(changes.add)) if (!PROTECTED_CLAIMS.has(name)) claims[name] = value;
}
