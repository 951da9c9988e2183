import type { TraceLink } from "../core/traces.js";

/** How other services (Cognito's triggers, S3 notifications) run a Lambda function. */
export type InvokeResult =
  | { ok: true; payload: unknown; requestId: string }
  | {
      ok: false;
      requestId: string;
      /** "Handled" when the handler threw or rejected; "Unhandled" for a crash, a timeout or process.exit. */
      functionError: "Handled" | "Unhandled";
      errorType: string;
      errorMessage: string;
      /**
       * The caller's `timeoutMs` ran out before the function answered (Cognito: "Socket timeout
       * while invoking Lambda function."). The function's own timeout is not this: it is a
       * function error, errorType Sandbox.Timedout, as Cognito receives it from AWS Lambda.
       */
      timedOut: boolean;
    };

export interface LambdaInvoker {
  /**
   * Runs a function by name or ARN and waits for its answer. Throws ResourceNotFoundException
   * (an AwsError) when no such function exists. `timeoutMs` is how long the caller waits, from
   * the call, whatever the function is doing (waiting for an environment, loading its code,
   * running): Cognito waits 5 seconds for a trigger.
   */
  invoke(functionNameOrArn: string, payload: unknown, options?: { timeoutMs?: number; trace?: TraceLink }): Promise<InvokeResult>;
  /** True when a function of that name or ARN is deployed. */
  exists(functionNameOrArn: string): boolean;
  /**
   * An invocation of this function is about to come (a custom sign-in has begun: Create, then
   * Verify, follow Define): an execution environment starts loading its code now if the function
   * has none, so its init overlaps the work before it instead of following it. Nothing otherwise.
   */
  prepare?(functionNameOrArn: string): void;
}
