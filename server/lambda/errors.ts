import { AwsError } from "../protocol/errors.js";
import type { RestErrors } from "../protocol/rest-json.js";

/**
 * Lambda's errors as AWS words them. Lambda is REST-JSON: the status comes from the model's
 * exception shape, the type travels in the x-amzn-ErrorType header (which the SDK reads first)
 * and the body is {"Type":"User","message":...} (or "Message" where the model spells it so).
 */
export class LambdaError extends AwsError {
  constructor(type: string, message: string, status: number, readonly fault: "User" | "Service" = "User", extra: Record<string, unknown> = {}) {
    super(type, message, status, extra);
  }
}

export const LambdaErrors = {
  functionNotFound: (arn: string) => new LambdaError("ResourceNotFoundException", `Function not found: ${arn}`, 404),
  policyNotFound: () =>
    new LambdaError("ResourceNotFoundException", "The resource you requested does not exist.", 404),
  resourceNotFound: () => new LambdaError("ResourceNotFoundException", "The resource you requested does not exist.", 404),
  aliasNotFound: (arn: string) => new LambdaError("ResourceNotFoundException", `Alias not found: ${arn}`, 404),
  aliasExists: (arn: string) => new LambdaError("ResourceConflictException", `Alias already exists: ${arn}`, 409),
  versionInUse: (aliases: string[]) =>
    new LambdaError("ResourceConflictException", `Unable to delete version because the following aliases reference it: [${aliases.join(", ")}]`, 409),
  /** A synchronous invocation beyond the function's reserved concurrency (429, with AWS's Reason). */
  throttled: () =>
    new LambdaError("TooManyRequestsException", "Rate Exceeded.", 429, "User", { Reason: "ReservedFunctionConcurrentInvocationLimitExceeded" }),
  statementNotFound: (statementId: string, arn: string) =>
    new LambdaError("ResourceNotFoundException", `Statement ${statementId} is not found in resource policy.`, 404),
  functionExists: (name: string) => new LambdaError("ResourceConflictException", `Function already exist: ${name}`, 409),
  statementExists: (statementId: string) =>
    new LambdaError(
      "ResourceConflictException",
      `The statement id (${statementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      409,
    ),
  preconditionFailed: () =>
    new LambdaError(
      "PreconditionFailedException",
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
      412,
    ),
  invalidParameter: (message: string) => new LambdaError("InvalidParameterValueException", message, 400),
  invalidRequestContent: (message: string) => new LambdaError("InvalidRequestContentException", message, 400),
  validation: (message: string) => new LambdaError("ValidationException", message, 400),
  /**
   * AWS's answer to a request over an operation's limit. Its type is not in the service model
   * (RequestTooLargeException is), but it is what AWS sends on the wire, status 413:
   * "Request must be smaller than 6291456 bytes for the InvokeFunction operation".
   */
  requestTooLarge: (limit: number, operation: string) =>
    new LambdaError("RequestEntityTooLargeException", `Request must be smaller than ${limit} bytes for the ${operation} operation`, 413),
  /** An Event invocation over its limit, as AWS words it (with the payload's size). */
  eventTooLarge: (bytes: number, limit: number) =>
    new LambdaError("RequestEntityTooLargeException", `${bytes} byte payload is too large for the Event invocation type (limit ${limit} bytes)`, 413),
  notImplemented: (action: string) =>
    new LambdaError(
      "NotImplementedException",
      `Lambda ${action} is not implemented by rekognito. See the README for the implemented actions.`,
      501,
      "Service",
    ),
  unknownOperation: (method: string, path: string) =>
    new LambdaError("UnknownOperationException", `Unknown operation ${method} ${path}`, 404),
  internal: () => new LambdaError("ServiceException", "An internal error occurred.", 500, "Service"),
};

/**
 * The REST-JSON pipeline's own errors in Lambda's words: a body that is not JSON is
 * InvalidRequestContentException, a broken model constraint ValidationException.
 */
export const lambdaRestErrors: RestErrors = {
  notImplemented: LambdaErrors.notImplemented,
  unknownOperation: LambdaErrors.unknownOperation,
  invalidBody: LambdaErrors.invalidRequestContent,
  validation: LambdaErrors.validation,
  internal: LambdaErrors.internal,
};
