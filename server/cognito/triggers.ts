import type { CoreServices } from "../core/services.js";
import type { LambdaInvoker } from "../lambda/types.js";
import { AwsError } from "../protocol/errors.js";
import type { RequestContext } from "../protocol/json.js";
import { CognitoErrors } from "./errors.js";
import type { PoolRecord, UserRecord } from "./store.js";
import type { CallerContext, StringMap } from "./types.js";

/** The triggers rekognito runs, by their LambdaConfig member name (also the name in AWS's error messages). */
export type TriggerName =
  | "PreSignUp"
  | "PostConfirmation"
  | "PreTokenGeneration"
  | "DefineAuthChallenge"
  | "CreateAuthChallenge"
  | "VerifyAuthChallengeResponse";

/** Cognito gives every trigger five seconds. */
export const TRIGGER_TIMEOUT_MS = 5000;

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

/** The function a pool has configured for a trigger, or null. */
export function triggerArn(pool: PoolRecord, trigger: TriggerName): string | null {
  const config = pool.lambdaConfig;
  if (trigger === "PreTokenGeneration") return config.PreTokenGenerationConfig?.LambdaArn ?? config.PreTokenGeneration ?? null;
  return (config[trigger] as string | undefined) ?? null;
}

/**
 * Runs a pool's Lambda triggers through the Lambda runner and reports their faults as Cognito
 * does: a thrown error is UserLambdaValidationException, a timeout or a missing function
 * UnexpectedLambdaException, an answer that is not the event InvalidLambdaResponseException.
 */
export class Triggers {
  constructor(
    private readonly core: CoreServices,
    private readonly lambda: LambdaInvoker,
  ) {}

  has(pool: PoolRecord, trigger: TriggerName): boolean {
    return triggerArn(pool, trigger) !== null;
  }

  /** Invokes the trigger and returns the event it answered, or null when none is configured. */
  async run<E extends { response: unknown }>(pool: PoolRecord, trigger: TriggerName, event: E): Promise<E | null> {
    const arn = triggerArn(pool, trigger);
    if (!arn) return null;
    if (!this.lambda.exists(arn)) throw CognitoErrors.unexpectedLambda(trigger, "ResourceNotFoundException");
    let result;
    try {
      result = await this.lambda.invoke(arn, event, { timeoutMs: TRIGGER_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof AwsError) throw CognitoErrors.unexpectedLambda(trigger, error.type);
      throw error;
    }
    if (!result.ok) {
      this.core.logger.warn(`cognito ${pool.id} ${trigger} ${result.timedOut ? "timed out" : `failed: ${result.errorType}: ${result.errorMessage}`}`);
      if (result.timedOut) throw CognitoErrors.unexpectedLambda(trigger, "Socket timeout while invoking Lambda function.");
      throw CognitoErrors.userLambdaValidation(trigger, result.errorMessage);
    }
    const payload = result.payload;
    // Anything but the event object (a string, a number, nothing) is not an answer Cognito reads.
    if (!isObject(payload)) throw CognitoErrors.invalidLambdaResponse();
    return this.checked(payload as E);
  }

  private checked<E extends { response: unknown }>(answer: E): E {
    if (answer.response !== undefined && answer.response !== null && !isObject(answer.response)) throw CognitoErrors.invalidLambdaResponse();
    return answer;
  }
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
