import type {
  BasePreTokenGenerationV3TriggerEvent,
  PreTokenGenerationTriggerEvent,
  PreTokenGenerationV2TriggerEvent,
} from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { UserRecord } from "../store.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, isObject, triggerAttributes, type StringMap } from "./events.js";

export type TokenSource = PreTokenGenerationTriggerEvent["triggerSource"];

/** Claims a trigger asked to add or override, and to suppress, in one token. */
export interface ClaimChanges {
  add: Record<string, unknown>;
  suppress: string[];
}

/** The user's groups as the tokens will carry them (cognito:groups, cognito:roles, cognito:preferred_role). */
export interface GroupClaims {
  groups: string[];
  roles: string[];
  preferredRole: string | null;
}

export interface TokenOverrides {
  id: ClaimChanges | null;
  /** V2_0 and V3_0 only: the access token's claims and scopes. */
  access: (ClaimChanges & { scopesToAdd: string[]; scopesToSuppress: string[] }) | null;
  /** groupOverrideDetails: what replaces the groups, roles and preferred role in the tokens. */
  groups: Partial<GroupClaims> | null;
}

/**
 * Pre Token Generation: the V1 event (claimsOverrideDetails, ID token only) or, with
 * PreTokenGenerationConfig.LambdaVersion V2_0 or V3_0, the V2/V3 event
 * (claimsAndScopeOverrideDetails for the ID and access tokens; V3 also fires for machine-to-machine
 * tokens, which rekognito does not issue). Null without the trigger. Which claims may change is
 * the issuer's rule (tokens/issue.ts).
 */
export async function preTokenGeneration(
  call: TriggerCall,
  input: { source: TokenSource; user: UserRecord; groups: GroupClaims; scopes: string[]; clientMetadata: StringMap | undefined },
): Promise<TokenOverrides | null> {
  const lambdaVersion = call.pool.lambdaConfig.PreTokenGenerationConfig?.LambdaVersion;
  const version = lambdaVersion === "V3_0" ? "3" : lambdaVersion === "V2_0" ? "2" : "1";
  // AWS sends a missing preferred role as null.
  const groupConfiguration = {
    groupsToOverride: input.groups.groups,
    iamRolesToOverride: input.groups.roles,
    preferredRole: input.groups.preferredRole as unknown as string | undefined,
  };
  const base = baseEvent(call.pool, input.source, input.user.username, call.caller);
  const meta = input.clientMetadata ? { clientMetadata: input.clientMetadata } : {};
  const userAttributes = triggerAttributes(input.user);
  const event: PreTokenGenerationTriggerEvent | PreTokenGenerationV2TriggerEvent | BasePreTokenGenerationV3TriggerEvent<TokenSource> =
    version === "1"
      ? ({ ...base, request: { userAttributes, groupConfiguration, ...meta }, response: {} } as unknown as PreTokenGenerationTriggerEvent)
      : ({ ...base, version, request: { userAttributes, groupConfiguration, scopes: input.scopes, ...meta }, response: {} } as unknown as PreTokenGenerationV2TriggerEvent);
  const answered = await call.triggers.run(call.pool, "PreTokenGeneration", event, call.trace);
  if (!answered) return null;
  const response = (answered.response ?? {}) as Record<string, unknown>;
  if (version === "1") {
    const details = response.claimsOverrideDetails;
    return { id: claimChanges(details, false), access: null, groups: isObject(details) ? groupOverride(details.groupOverrideDetails) : null };
  }
  const details = response.claimsAndScopeOverrideDetails;
  if (details === undefined || details === null) return { id: null, access: null, groups: null };
  if (!isObject(details)) throw CognitoErrors.invalidLambdaResponse();
  const access = claimChanges(details.accessTokenGeneration, true);
  const accessDetails = isObject(details.accessTokenGeneration) ? details.accessTokenGeneration : {};
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    id: claimChanges(details.idTokenGeneration, true),
    access: access && { ...access, scopesToAdd: list(accessDetails.scopesToAdd), scopesToSuppress: list(accessDetails.scopesToSuppress) },
    groups: groupOverride(details.groupOverrideDetails),
  };
}

/** One token's changes as the trigger answered them; V1 claims are strings, later versions any JSON value. */
function claimChanges(changes: unknown, anyJson: boolean): ClaimChanges | null {
  if (changes === undefined || changes === null) return null;
  if (!isObject(changes)) throw CognitoErrors.invalidLambdaResponse();
  const add = changes.claimsToAddOrOverride ?? {};
  const suppress = changes.claimsToSuppress ?? [];
  if (!isObject(add) || !Array.isArray(suppress) || suppress.some((c) => typeof c !== "string")) throw CognitoErrors.invalidLambdaResponse();
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(add)) {
    if (value === null || value === undefined) continue;
    out[name] = anyJson ? value : typeof value === "string" ? value : String(value);
  }
  return { add: out, suppress: suppress as string[] };
}

function groupOverride(details: unknown): Partial<GroupClaims> | null {
  if (details === undefined || details === null) return null;
  if (!isObject(details)) throw CognitoErrors.invalidLambdaResponse();
  const strings = (v: unknown): string[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw CognitoErrors.invalidLambdaResponse();
    return v as string[];
  };
  const out: Partial<GroupClaims> = {};
  const groups = strings(details.groupsToOverride);
  const roles = strings(details.iamRolesToOverride);
  if (groups) out.groups = groups;
  if (roles) out.roles = roles;
  if (typeof details.preferredRole === "string") out.preferredRole = details.preferredRole;
  return out;
}
