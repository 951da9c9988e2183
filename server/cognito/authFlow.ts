import { createHmac, timingSafeEqual } from "node:crypto";
import type { AuthenticationResultType, ChallengeNameType } from "@aws-sdk/client-cognito-identity-provider";
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  PreTokenGenerationTriggerEvent,
  PreTokenGenerationV2TriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from "aws-lambda";
import type { RequestContext } from "../protocol/json.js";
import { CognitoErrors } from "./errors.js";
import type { AuthSession } from "./sessions.js";
import type { ClientRecord, PoolRecord, RefreshTokenRecord, UserRecord } from "./store.js";
import { issuerOf, type Claims } from "./tokens.js";
import { baseEvent, callerContext, isObject, stringMap, triggerAttributes } from "./triggers.js";
import { epochSeconds, type CognitoServices, type CustomChallengeResult, type StringMap, type Wire } from "./types.js";

/** What InitiateAuth and RespondToAuthChallenge (and their Admin twins) answer. */
export interface AuthAnswer {
  ChallengeName?: ChallengeNameType;
  Session?: string;
  ChallengeParameters: Record<string, string>;
  AuthenticationResult?: Wire<AuthenticationResultType>;
}

type Ctx = Pick<RequestContext, "userAgent" | "baseUrl">;

// ---------------------------------------------------------------------------------------------
// App client rules

const DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"];

/** The flows an app client allows: as configured, or AWS's default set when none was given. */
export function clientAllows(client: ClientRecord, flow: "CUSTOM_AUTH" | "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH" | "USER_SRP_AUTH"): boolean {
  const flows: string[] = client.explicitAuthFlows.length ? client.explicitAuthFlows : DEFAULT_FLOWS;
  if (flows.includes(`ALLOW_${flow}`)) return true;
  // Legacy names, still accepted by AWS.
  if (flow === "CUSTOM_AUTH") return flows.includes("CUSTOM_AUTH_FLOW_ONLY");
  if (flow === "USER_PASSWORD_AUTH") return flows.includes("USER_PASSWORD_AUTH");
  if (flow === "ADMIN_USER_PASSWORD_AUTH") return flows.includes("ADMIN_NO_SRP_AUTH");
  // Refresh is always possible for a client that lists only legacy flows.
  if (flow === "REFRESH_TOKEN_AUTH") return !flows.some((f) => f.startsWith("ALLOW_"));
  return false;
}

/** Checks SECRET_HASH (HMAC-SHA256 of user name + client id, keyed by the secret) for a client that has a secret. */
export function checkSecretHash(client: ClientRecord, secretHash: string | undefined, usernames: (string | undefined)[]): void {
  if (!client.secret) return;
  if (!secretHash) throw CognitoErrors.notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
  const given = Buffer.from(secretHash, "base64");
  for (const name of usernames) {
    if (!name) continue;
    const want = createHmac("sha256", client.secret).update(`${name}${client.id}`).digest();
    if (want.length === given.length && timingSafeEqual(want, given)) return;
  }
  throw CognitoErrors.notAuthorized(`Unable to verify secret hash for client ${client.id}`);
}

/** Checks a client secret given as itself (GetTokensFromRefreshToken, RevokeToken). */
export function checkClientSecret(client: ClientRecord, secret: string | undefined): void {
  if (!client.secret) return;
  if (!secret) throw CognitoErrors.notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
  if (secret !== client.secret) throw CognitoErrors.notAuthorized(`Unable to verify secret hash for client ${client.id}`);
}

/** An AuthParameters / ChallengeResponses entry the flow cannot do without. */
function required(map: Record<string, string>, name: string, options: { emptyAllowed?: boolean } = {}): string {
  const value = map[name];
  if (value === undefined || (!value && !options.emptyAllowed)) throw CognitoErrors.invalidParameter(`Missing required parameter ${name}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// CUSTOM_AUTH

interface CustomAuthState {
  pool: PoolRecord;
  client: ClientRecord;
  user: UserRecord | null;
  /** The user name in events and ChallengeParameters.USERNAME. */
  userName: string;
  history: AuthSession["history"];
  clientMetadata: StringMap | undefined;
}

/**
 * The user name an unknown user gets when the pool signs in by email or phone: a UUID like a
 * real user's `sub`, stable per pool and name (an HMAC under the pool's private key), so that
 * ChallengeParameters.USERNAME does not tell an unknown email from a registered one.
 */
export function unknownUserName(pool: PoolRecord, given: string): string {
  if (!pool.usernameAttributes.length) return given;
  const h = createHmac("sha256", pool.key.privateKeyPem).update(`unknown-user:${given.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function eventAttributes(user: UserRecord | null): StringMap {
  return user ? triggerAttributes(user) : {};
}

/** InitiateAuth / AdminInitiateAuth with CUSTOM_AUTH: Define with an empty session, then Create. */
export async function startCustomAuth(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  params: Record<string, string>,
): Promise<AuthAnswer> {
  if (!svc.triggers.has(pool, "DefineAuthChallenge")) {
    throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  }
  const username = required(params, "USERNAME");
  if (params.SRP_A) throw CognitoErrors.notImplemented("CUSTOM_AUTH with SRP_A (Amplify's CUSTOM_WITH_SRP)");
  const user = svc.store.findUser(pool, username) ?? null;
  checkSecretHash(client, params.SECRET_HASH, [username, user?.username]);
  if (!user && client.preventUserExistenceErrors !== "ENABLED") throw CognitoErrors.userNotFound();
  if (user) {
    if (!user.enabled) throw CognitoErrors.userDisabled();
    if (user.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
  }
  // InitiateAuth's ClientMetadata does not reach these triggers on AWS.
  const userName = user ? user.username : unknownUserName(pool, username);
  return defineNext(svc, ctx, { pool, client, user, userName, history: [], clientMetadata: undefined });
}

/** RespondToAuthChallenge / AdminRespondToAuthChallenge for CUSTOM_CHALLENGE: Verify, then Define again. */
export async function answerCustomChallenge(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  sessionId: string | undefined,
  responses: Record<string, string>,
  clientMetadata: StringMap | undefined,
): Promise<AuthAnswer> {
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const answer = required(responses, "ANSWER", { emptyAllowed: true });
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  if (session.challengeName !== "CUSTOM_CHALLENGE") throw CognitoErrors.invalidSession();
  let user: UserRecord | null = null;
  if (session.userNotFound) {
    // The client may echo ChallengeParameters.USERNAME or repeat the name it typed.
    const same = username.toLowerCase() === session.username.toLowerCase() || unknownUserName(pool, username) === session.username;
    if (!same) throw CognitoErrors.invalidSession();
  } else {
    user = svc.store.findUser(pool, username) ?? null;
    if (!user || user.username !== session.username) throw CognitoErrors.invalidSession();
    if (!user.enabled) throw CognitoErrors.userDisabled();
  }
  checkSecretHash(client, responses.SECRET_HASH, [username, user?.username]);

  const verifyEvent: VerifyAuthChallengeResponseTriggerEvent = {
    ...baseEvent(pool, "VerifyAuthChallengeResponse_Authentication", session.username, callerContext(ctx, client.id)),
    request: {
      userAttributes: eventAttributes(user),
      privateChallengeParameters: session.privateChallengeParameters,
      challengeAnswer: answer,
      ...(clientMetadata ? { clientMetadata } : {}),
      userNotFound: session.userNotFound,
    },
    response: {} as VerifyAuthChallengeResponseTriggerEvent["response"],
  };
  const verified = await svc.triggers.run(pool, "VerifyAuthChallengeResponse", verifyEvent);
  if (!verified) throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  const answerCorrect = (verified.response as Record<string, unknown> | undefined)?.answerCorrect;
  if (typeof answerCorrect !== "boolean") throw CognitoErrors.invalidLambdaResponse();

  const result: CustomChallengeResult = {
    challengeName: "CUSTOM_CHALLENGE",
    challengeResult: answerCorrect,
    // AWS sends null when Create set no metadata.
    challengeMetadata: (session.challengeMetadata ?? null) as string | undefined,
  };
  return defineNext(svc, ctx, {
    pool,
    client,
    user,
    userName: session.username,
    history: [...session.history, result],
    clientMetadata,
  });
}

async function defineNext(svc: CognitoServices, ctx: Ctx, state: CustomAuthState): Promise<AuthAnswer> {
  const { pool, client, user } = state;
  const caller = callerContext(ctx, client.id);
  const meta = state.clientMetadata ? { clientMetadata: state.clientMetadata } : {};
  const defineEvent: DefineAuthChallengeTriggerEvent = {
    ...baseEvent(pool, "DefineAuthChallenge_Authentication", state.userName, caller),
    request: { userAttributes: eventAttributes(user), session: state.history, ...meta, userNotFound: user === null },
    response: {} as DefineAuthChallengeTriggerEvent["response"],
  };
  const defined = await svc.triggers.run(pool, "DefineAuthChallenge", defineEvent);
  const response = defined?.response as Record<string, unknown> | undefined;
  if (!response) throw CognitoErrors.invalidLambdaResponse();
  const { challengeName, issueTokens, failAuthentication } = response;
  if (!isOptionalBoolean(issueTokens) || !isOptionalBoolean(failAuthentication)) throw CognitoErrors.invalidLambdaResponse();
  if (challengeName !== undefined && challengeName !== null && typeof challengeName !== "string") throw CognitoErrors.invalidLambdaResponse();

  if (failAuthentication) throw CognitoErrors.incorrectCredentials();
  if (issueTokens) {
    if (!user) throw CognitoErrors.incorrectCredentials();
    // The triggers may have changed the user during the flow (Verify marking the email
    // verified, say): the tokens carry the user as it is now.
    const current = svc.store.userByUsername(pool, user.username);
    if (!current) throw CognitoErrors.incorrectCredentials();
    if (current.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
    const AuthenticationResult = await issueTokens_(svc, ctx, pool, client, current, { source: "TokenGeneration_Authentication", clientMetadata: state.clientMetadata });
    return { ChallengeParameters: {}, AuthenticationResult };
  }
  if (!challengeName) throw CognitoErrors.invalidLambdaResponse();
  if (challengeName !== "CUSTOM_CHALLENGE") throw CognitoErrors.notImplemented(`The ${challengeName} challenge in a custom auth flow`);

  const createEvent: CreateAuthChallengeTriggerEvent = {
    ...baseEvent(pool, "CreateAuthChallenge_Authentication", state.userName, caller),
    request: { userAttributes: eventAttributes(user), challengeName, session: state.history, ...meta, userNotFound: user === null },
    response: {} as CreateAuthChallengeTriggerEvent["response"],
  };
  const created = await svc.triggers.run(pool, "CreateAuthChallenge", createEvent);
  if (!created) throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  const createResponse = (created.response ?? {}) as Record<string, unknown>;
  const publicParams = stringMap(createResponse.publicChallengeParameters);
  const privateParams = stringMap(createResponse.privateChallengeParameters);
  const metadata = createResponse.challengeMetadata;
  if (!publicParams || !privateParams) throw CognitoErrors.invalidLambdaResponse();
  if (metadata !== undefined && metadata !== null && typeof metadata !== "string") throw CognitoErrors.invalidLambdaResponse();

  const Session = svc.sessions.start({
    poolId: pool.id,
    clientId: client.id,
    username: state.userName,
    userNotFound: user === null,
    challengeName,
    history: state.history,
    privateChallengeParameters: privateParams,
    challengeMetadata: typeof metadata === "string" ? metadata : undefined,
    expiresAt: svc.core.clock.now() + client.authSessionValidity * 60_000,
  });
  return { ChallengeName: "CUSTOM_CHALLENGE", Session, ChallengeParameters: { ...publicParams, USERNAME: state.userName } };
}

function isOptionalBoolean(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "boolean";
}

// ---------------------------------------------------------------------------------------------
// USER_PASSWORD_AUTH and NEW_PASSWORD_REQUIRED

export async function passwordAuth(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  params: Record<string, string>,
  clientMetadata: StringMap | undefined,
): Promise<AuthAnswer> {
  const username = required(params, "USERNAME");
  const password = required(params, "PASSWORD");
  const user = svc.store.findUser(pool, username);
  checkSecretHash(client, params.SECRET_HASH, [username, user?.username]);
  if (!user) {
    if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.incorrectCredentials();
    throw CognitoErrors.userNotFound();
  }
  if (!user.enabled) throw CognitoErrors.userDisabled();
  if (!svc.store.passwordMatches(user, password)) throw CognitoErrors.incorrectCredentials();
  if (user.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
  if (user.status === "FORCE_CHANGE_PASSWORD") {
    const Session = svc.sessions.start({
      poolId: pool.id,
      clientId: client.id,
      username: user.username,
      userNotFound: false,
      challengeName: "NEW_PASSWORD_REQUIRED",
      history: [],
      privateChallengeParameters: {},
      challengeMetadata: undefined,
      expiresAt: svc.core.clock.now() + client.authSessionValidity * 60_000,
    });
    const { email_verified: _v, phone_number_verified: _p, ...attrs } = user.attributes;
    return {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session,
      ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: "[]", userAttributes: JSON.stringify(attrs) },
    };
  }
  const AuthenticationResult = await issueTokens_(svc, ctx, pool, client, user, { source: "TokenGeneration_Authentication", clientMetadata });
  return { ChallengeParameters: {}, AuthenticationResult };
}

export async function answerNewPassword(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  sessionId: string | undefined,
  responses: Record<string, string>,
  clientMetadata: StringMap | undefined,
): Promise<AuthAnswer> {
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const newPassword = required(responses, "NEW_PASSWORD");
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  const user = svc.store.findUser(pool, username);
  if (session.challengeName !== "NEW_PASSWORD_REQUIRED" || !user || user.username !== session.username) throw CognitoErrors.invalidSession();
  checkPasswordPolicy(pool, newPassword);
  const attributes = { ...user.attributes };
  for (const [k, v] of Object.entries(responses)) if (k.startsWith("userAttributes.")) attributes[k.slice("userAttributes.".length)] = v;
  const updated: UserRecord = { ...user, attributes, password: svc.store.hashPassword(newPassword), status: "CONFIRMED", updatedAt: svc.core.clock.now() };
  svc.store.putUser(updated);
  const AuthenticationResult = await issueTokens_(svc, ctx, pool, client, updated, { source: "TokenGeneration_NewPasswordChallenge", clientMetadata });
  return { ChallengeParameters: {}, AuthenticationResult };
}

/** The pool's password policy, with AWS's wording. */
export function checkPasswordPolicy(pool: PoolRecord, password: string): void {
  const p = pool.passwordPolicy;
  const fail = (why: string) => CognitoErrors.invalidPassword(`Password did not conform with policy: ${why}`);
  if (password.length < p.MinimumLength) throw fail("Password not long enough");
  if (p.RequireLowercase && !/[a-z]/.test(password)) throw fail("Password must have lowercase characters");
  if (p.RequireUppercase && !/[A-Z]/.test(password)) throw fail("Password must have uppercase characters");
  if (p.RequireNumbers && !/[0-9]/.test(password)) throw fail("Password must have numeric characters");
  if (p.RequireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) throw fail("Password must have symbol characters");
}

// ---------------------------------------------------------------------------------------------
// Refresh

export async function refreshAuth(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  token: string | undefined,
  clientMetadata: StringMap | undefined,
  checkSecret: (record: RefreshTokenRecord | undefined, user: UserRecord | undefined) => void,
): Promise<AuthAnswer> {
  if (!token) throw CognitoErrors.invalidParameter("Missing required parameter REFRESH_TOKEN");
  const record = svc.store.refreshToken(token);
  const user = record ? svc.store.userByUsername(pool, record.username) : undefined;
  checkSecret(record, user);
  if (!record || record.poolId !== pool.id || record.clientId !== client.id) throw CognitoErrors.notAuthorized("Invalid Refresh Token");
  if (record.revoked || svc.store.isRevoked(record.originJti)) throw CognitoErrors.notAuthorized("Refresh Token has been revoked");
  if (record.expiresAt <= svc.core.clock.now()) throw CognitoErrors.notAuthorized("Refresh Token has expired");
  if (!user) throw CognitoErrors.userNotFound();
  if (!user.enabled) throw CognitoErrors.userDisabled();
  const AuthenticationResult = await issueTokens_(svc, ctx, pool, client, user, { source: "TokenGeneration_RefreshTokens", clientMetadata, refresh: record });
  return { ChallengeParameters: {}, AuthenticationResult };
}

// ---------------------------------------------------------------------------------------------
// Tokens

const SECONDS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;

function validitySeconds(value: number | null, unit: string | undefined, fallbackUnit: keyof typeof SECONDS, fallback: number): number {
  if (!value) return fallback;
  return value * SECONDS[(unit as keyof typeof SECONDS | undefined) ?? fallbackUnit];
}

export function tokenLifetimes(client: ClientRecord): { access: number; id: number; refresh: number } {
  const units = client.tokenValidityUnits ?? {};
  return {
    access: validitySeconds(client.accessTokenValidity, units.AccessToken, "hours", 3600),
    id: validitySeconds(client.idTokenValidity, units.IdToken, "hours", 3600),
    refresh: validitySeconds(client.refreshTokenValidity, units.RefreshToken, "days", 30 * 86400),
  };
}

/** Claims Cognito does not let PreTokenGeneration change. */
const PROTECTED_CLAIMS = new Set(["acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "event_id", "scope", "client_id", "username"]);

/** Builds, signs and records a sign-in's tokens, after running PreTokenGeneration. */
async function issueTokens_(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  user: UserRecord,
  opts: {
    source: TokenSource;
    clientMetadata: StringMap | undefined;
    refresh?: RefreshTokenRecord;
  },
): Promise<Wire<AuthenticationResultType>> {
  const now = svc.core.clock.now();
  const iat = epochSeconds(now);
  const lifetimes = tokenLifetimes(client);
  const originJti = opts.refresh?.originJti ?? svc.tokens.jti();
  const authTime = opts.refresh?.authTime ?? iat;
  const eventId = svc.core.ids.uuid();
  const iss = issuerOf(ctx.baseUrl, pool.id);

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
    jti: svc.tokens.jti(),
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
    jti: svc.tokens.jti(),
    username: user.username,
  };
  await applyPreTokenGeneration(svc, ctx, pool, client, user, opts.source, opts.clientMetadata, idClaims, accessClaims);

  const result: Wire<AuthenticationResultType> = {
    AccessToken: svc.tokens.sign(pool, accessClaims),
    ExpiresIn: lifetimes.access,
    TokenType: "Bearer",
    IdToken: svc.tokens.sign(pool, idClaims),
  };
  if (!opts.refresh) {
    const token = svc.tokens.newRefreshToken();
    svc.store.putRefreshToken({
      token,
      poolId: pool.id,
      clientId: client.id,
      username: user.username,
      originJti,
      authTime,
      expiresAt: now + lifetimes.refresh * 1000,
      revoked: false,
    });
    result.RefreshToken = token;
  }
  return result;
}

export { issueTokens_ as issueTokens };

type TokenSource = "TokenGeneration_Authentication" | "TokenGeneration_RefreshTokens" | "TokenGeneration_NewPasswordChallenge";

/**
 * Runs PreTokenGeneration and applies its answer: the V1 event (claimsOverrideDetails, ID token
 * only) or, with PreTokenGenerationConfig.LambdaVersion V2_0, the V2 event
 * (claimsAndScopeOverrideDetails for the ID and access tokens). Protected claims stay as they are.
 */
async function applyPreTokenGeneration(
  svc: CognitoServices,
  ctx: Ctx,
  pool: PoolRecord,
  client: ClientRecord,
  user: UserRecord,
  source: TokenSource,
  clientMetadata: StringMap | undefined,
  idClaims: Claims,
  accessClaims: Claims,
): Promise<void> {
  const v2 = pool.lambdaConfig.PreTokenGenerationConfig?.LambdaVersion === "V2_0";
  const groupConfiguration = { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null as unknown as undefined };
  const base = baseEvent(pool, source, user.username, callerContext(ctx, client.id));
  const meta = clientMetadata ? { clientMetadata } : {};
  const event: PreTokenGenerationTriggerEvent | PreTokenGenerationV2TriggerEvent = v2
    ? ({
        ...base,
        version: "2",
        request: { userAttributes: triggerAttributes(user), groupConfiguration, scopes: String(accessClaims.scope).split(" "), ...meta },
        response: {},
      } as unknown as PreTokenGenerationV2TriggerEvent)
    : ({ ...base, request: { userAttributes: triggerAttributes(user), groupConfiguration, ...meta }, response: {} } as unknown as PreTokenGenerationTriggerEvent);
  const answered = await svc.triggers.run(pool, "PreTokenGeneration", event);
  if (!answered) return;
  const response = (answered.response ?? {}) as Record<string, unknown>;
  const apply = (claims: Claims, changes: unknown) => {
    if (changes === undefined || changes === null) return;
    if (!isObject(changes)) throw CognitoErrors.invalidLambdaResponse();
    const add = changes.claimsToAddOrOverride ?? {};
    const suppress = changes.claimsToSuppress ?? [];
    if (!isObject(add) || !Array.isArray(suppress) || suppress.some((c) => typeof c !== "string")) throw CognitoErrors.invalidLambdaResponse();
    for (const name of suppress as string[]) if (!PROTECTED_CLAIMS.has(name)) delete claims[name];
    for (const [name, value] of Object.entries(add)) {
      if (PROTECTED_CLAIMS.has(name) || value === null || value === undefined) continue;
      // V1 claims are strings; V2 takes any JSON value.
      claims[name] = v2 ? value : typeof value === "string" ? value : String(value);
    }
  };
  if (!v2) {
    apply(idClaims, response.claimsOverrideDetails);
    return;
  }
  const details = response.claimsAndScopeOverrideDetails;
  if (details === undefined || details === null) return;
  if (!isObject(details)) throw CognitoErrors.invalidLambdaResponse();
  apply(idClaims, details.idTokenGeneration);
  const access = details.accessTokenGeneration;
  apply(accessClaims, access);
  if (isObject(access)) {
    const scopes = new Set(String(accessClaims.scope).split(" "));
    for (const s of Array.isArray(access.scopesToSuppress) ? access.scopesToSuppress : []) scopes.delete(String(s));
    for (const s of Array.isArray(access.scopesToAdd) ? access.scopesToAdd : []) scopes.add(String(s));
    accessClaims.scope = [...scopes].join(" ");
  }
}
