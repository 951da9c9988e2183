import type { PreTokenGenerationTriggerEvent, PreTokenGenerationV2TriggerEvent } from "aws-lambda";
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

export interface TokenOverrides {
  id: ClaimChanges | null;
  /** V2_0 only: the access token's claims and scopes. */
  access: (ClaimChanges & { scopesToAdd: string[]; scopesToSuppress: string[] }) | null;
}

/**
 * Pre Token Generation: the V1 event (claimsOverrideDetails, ID token only) or, with
 * PreTokenGenerationConfig.LambdaVersion V2_0, the V2 event (claimsAndScopeOverrideDetails for
 * the ID and access tokens). Null without the trigger. Which claims may change is the issuer's
 * rule (tokens/issue.ts).
 */
export async function preTokenGeneration(
  call: TriggerCall,
  input: { source: TokenSource; user: UserRecord; scopes: string[]; clientMetadata: StringMap | undefined },
): Promise<TokenOverrides | null> {
  const v2 = call.pool.lambdaConfig.PreTokenGenerationConfig?.LambdaVersion === "V2_0";
  const groupConfiguration = { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null as unknown as undefined };
  const base = baseEvent(call.pool, input.source, input.user.username, call.caller);
  const meta = input.clientMetadata ? { clientMetadata: input.clientMetadata } : {};
  const userAttributes = triggerAttributes(input.user);
  const event: PreTokenGenerationTriggerEvent | PreTokenGenerationV2TriggerEvent = v2
    ? ({ ...base, version: "2", request: { userAttributes, groupConfiguration, scopes: input.scopes, ...meta }, response: {} } as unknown as PreTokenGenerationV2TriggerEvent)
    : ({ ...base, request: { userAttributes, groupConfiguration, ...meta }, response: {} } as unknown as PreTokenGenerationTriggerEvent);
  const answered = await call.triggers.run(call.pool, "PreTokenGeneration", event, call.trace);
  if (!answered) return null;
  const response = (answered.response ?? {}) as Record<string, unknown>;
  if (!v2) return { id: claimChanges(response.claimsOverrideDetails, false), access: null };
  const details = response.claimsAndScopeOverrideDetails;
  if (details === undefined || details === null) return { id: null, access: null };
  if (!isObject(details)) throw CognitoErrors.invalidLambdaResponse();
  const access = claimChanges(details.accessTokenGeneration, true);
  const accessDetails = isObject(details.accessTokenGeneration) ? details.accessTokenGeneration : {};
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    id: claimChanges(details.idTokenGeneration, true),
    access: access && { ...access, scopesToAdd: list(accessDetails.scopesToAdd), scopesToSuppress: list(accessDetails.scopesToSuppress) },
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
