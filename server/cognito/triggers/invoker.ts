import type { CoreServices } from "../../core/services.js";
import type { LambdaInvoker } from "../../lambda/types.js";
import { AwsError } from "../../protocol/errors.js";
import { CognitoErrors } from "../errors.js";
import type { PoolRecord } from "../store.js";
import { isObject } from "./events.js";

/** The triggers rekognito runs, by their LambdaConfig member name (also the name in AWS's error messages). */
export type TriggerName =
  | "PreSignUp"
  | "PostConfirmation"
  | "PreAuthentication"
  | "PostAuthentication"
  | "PreTokenGeneration"
  | "CustomMessage"
  | "UserMigration"
  | "DefineAuthChallenge"
  | "CreateAuthChallenge"
  | "VerifyAuthChallengeResponse";

/** Cognito gives every trigger five seconds. */
export const TRIGGER_TIMEOUT_MS = 5000;

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

  /** These triggers will run soon: their functions start an execution environment now if they have none. */
  prepare(pool: PoolRecord, triggers: TriggerName[]): void {
    for (const trigger of triggers) {
      const arn = triggerArn(pool, trigger);
      if (arn) this.lambda.prepare?.(arn);
    }
  }

  /**
   * Invokes the trigger and returns the event it answered, or null when none is configured.
   * `trace`: the sign-in's trace in the console, where the trigger's event and answer are recorded.
   */
  async run<E extends { response: unknown }>(pool: PoolRecord, trigger: TriggerName, event: E, trace?: string): Promise<E | null> {
    const arn = triggerArn(pool, trigger);
    if (!arn) return null;
    if (!this.lambda.exists(arn)) throw CognitoErrors.unexpectedLambda(trigger, "ResourceNotFoundException");
    const traced = this.core.traces?.trigger(trace, trigger, arn, event);
    let result;
    try {
      result = await this.lambda.invoke(arn, event, { timeoutMs: TRIGGER_TIMEOUT_MS, trace: traced?.link });
    } catch (error) {
      traced?.end({ ok: false, error: error instanceof AwsError ? error.type : String(error) });
      if (error instanceof AwsError) throw CognitoErrors.unexpectedLambda(trigger, error.type);
      throw error;
    }
    traced?.end(result.ok ? { ok: true, response: result.payload } : { ok: false, error: result.timedOut ? "the caller's 5 s ran out" : `${result.errorType}: ${result.errorMessage}` });
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
