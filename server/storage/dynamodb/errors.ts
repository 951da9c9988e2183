import { AwsError } from "../../protocol/errors.js";

/** DynamoDB errors rekognito itself answers (everything else comes from the engine behind). */
export const DynamoDBErrors = {
  validation: (message: string) => new AwsError("ValidationException", message),
  /** Part of an operation the embedded engine does not do: rekognito's 501, never dynalite's silent success. */
  notImplemented: (what: string) => new AwsError("NotImplementedException", `${what} is not implemented by rekognito's embedded DynamoDB (dynalite).`, 501),
  /** AWS's wording (checked against DynamoDB): a value nested deeper than 32 levels. */
  nesting: () =>
    new AwsError(
      "ValidationException",
      "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
    ),
  /** "Invalid ConditionExpression: …", as DynamoDB prefixes what is wrong with an expression. */
  expression: (name: string, problem: string) => new AwsError("ValidationException", `Invalid ${name}: ${problem}`),
  /** The engine behind (dynalite, or the external endpoint) could not be reached. */
  unavailable: (where: string, cause: string) =>
    new AwsError("ServiceUnavailable", `rekognito could not reach DynamoDB at ${where}: ${cause}`, 503),
  /**
   * The embedded engine did not answer in time and was restarted. DynamoDB's own 500
   * (`InternalServerError`), which the SDKs retry; like any 500 on a write, the write may or
   * may not have happened.
   */
  deadline: (deadlineMs: number) =>
    new AwsError(
      "InternalServerError",
      `rekognito's DynamoDB engine (dynalite) did not answer within ${deadlineMs} ms and was restarted. The request may or may not have been applied.`,
      500,
    ),
  /** The engine ended while serving this request (`why` says how); retryable, as the deadline's. */
  engineLost: (why: string) =>
    new AwsError("InternalServerError", `rekognito's DynamoDB engine (dynalite) ${why}. The request may or may not have been applied.`, 500),
  /**
   * The same request stalled or crashed the engine a moment ago: answered at once, so that
   * the SDK's retries do not stall or crash it again.
   */
  refused: (what: string) =>
    new AwsError(
      "InternalServerError",
      `rekognito's DynamoDB engine (dynalite) ${what} on this same request a moment ago; it is not sent to the engine again for a minute. The request was not applied.`,
      500,
    ),
};
