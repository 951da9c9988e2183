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
      timedOut: boolean;
    };

export interface LambdaInvoker {
  /**
   * Runs a function by name or ARN and waits for its answer. Throws ResourceNotFoundException
   * (an AwsError) when no such function exists. `timeoutMs` caps the function's own timeout
   * (Cognito gives triggers 5 seconds).
   */
  invoke(functionNameOrArn: string, payload: unknown, options?: { timeoutMs?: number }): Promise<InvokeResult>;
  /** True when a function of that name or ARN is deployed. */
  exists(functionNameOrArn: string): boolean;
}
