import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import type { RequestContext } from "../../protocol/json.js";
import type { PoolRecord, UserRecord } from "../store.js";

/** What every trigger event shares, and the checks on what a trigger answers. */

// Types @types/aws-lambda defines for the Cognito triggers but does not export by name.
export type StringMap = DefineAuthChallengeTriggerEvent["request"]["userAttributes"];
export type ChallengeSessionEntry = DefineAuthChallengeTriggerEvent["request"]["session"][number];
export type CustomChallengeResult = Extract<ChallengeSessionEntry, { challengeName: "CUSTOM_CHALLENGE" }>;
export type CallerContext = DefineAuthChallengeTriggerEvent["callerContext"];

/** The caller context AWS puts in every event: the SDK that made the request and the app client. */
export function callerContext(ctx: Pick<RequestContext, "userAgent">, clientId: string): CallerContext {
  const sdk = /aws-sdk-([a-z]+)\/(\d[\w.-]*)/i.exec(ctx.userAgent);
  return { awsSdkVersion: sdk ? `aws-sdk-${sdk[1]!.toLowerCase()}-${sdk[2]}` : "aws-sdk-unknown-unknown", clientId };
}

/** The user's attributes as triggers see them: their attributes, `sub` and `cognito:user_status`. */
export function triggerAttributes(user: UserRecord): StringMap {
  return { sub: user.sub, ...user.attributes, "cognito:user_status": user.status };
}

/** The common part of every trigger event. */
export function baseEvent<T extends string>(
  pool: PoolRecord,
  triggerSource: T,
  userName: string,
  caller: CallerContext,
): { version: string; region: string; userPoolId: string; triggerSource: T; userName: string; callerContext: CallerContext } {
  return { version: "1", region: pool.region, userPoolId: pool.id, triggerSource, userName, callerContext: caller };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A map of strings as a trigger must answer it, or null when it is not one. */
export function stringMap(value: unknown): StringMap | null {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return null;
  const out: StringMap = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else return null;
  }
  return out;
}

/** undefined, null or a boolean: what a trigger's optional flags may be. */
export function isOptionalBoolean(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "boolean";
}
