import { AwsError } from "../protocol/errors.js";

/**
 * Cognito user pools' errors, with AWS's __type and, where known, AWS's wording.
 * Every throw in server/cognito goes through one of these.
 */
export const CognitoErrors = {
  invalidParameter: (message: string) => new AwsError("InvalidParameterException", message),
  poolNotFound: (poolId: string) => new AwsError("ResourceNotFoundException", `User pool ${poolId} does not exist.`),
  clientNotFound: (clientId: string) => new AwsError("ResourceNotFoundException", `User pool client ${clientId} does not exist.`),
  userNotFound: () => new AwsError("UserNotFoundException", "User does not exist."),
  usernameExists: (message = "User already exists") => new AwsError("UsernameExistsException", message),
  aliasExists: () => new AwsError("AliasExistsException", "An account with the given email already exists."),
  userNotConfirmed: () => new AwsError("UserNotConfirmedException", "User is not confirmed."),
  notAuthorized: (message: string) => new AwsError("NotAuthorizedException", message),
  incorrectCredentials: () => new AwsError("NotAuthorizedException", "Incorrect username or password."),
  userDisabled: () => new AwsError("NotAuthorizedException", "User is disabled."),
  invalidSession: () => new AwsError("NotAuthorizedException", "Invalid session for the user."),
  sessionReused: () => new AwsError("NotAuthorizedException", "Invalid session for the user, session can only be used once."),
  sessionExpired: () => new AwsError("NotAuthorizedException", "Invalid session for the user, session is expired."),
  invalidPassword: (message: string) => new AwsError("InvalidPasswordException", message),
  codeMismatch: () => new AwsError("CodeMismatchException", "Invalid verification code provided, please try again."),
  expiredCode: () => new AwsError("ExpiredCodeException", "Invalid code provided, please request a code again."),
  limitExceeded: (message: string) => new AwsError("LimitExceededException", message),
  /** A trigger threw or rejected: "<Trigger> failed with error <message>." */
  userLambdaValidation: (trigger: string, message: string) =>
    new AwsError("UserLambdaValidationException", `${trigger} failed with error ${message}.`),
  invalidLambdaResponse: (message = "Unrecognizable lambda output") => new AwsError("InvalidLambdaResponseException", message),
  /** The trigger timed out, crashed, or its function is missing. */
  unexpectedLambda: (trigger: string, error: string) =>
    new AwsError("UnexpectedLambdaException", `${trigger} invocation failed due to error ${error}`),
  notImplemented: (what: string) =>
    new AwsError("NotImplementedException", `${what} is not implemented by rekognito. See the README for the implemented actions.`, 501),
  unsupportedOperation: (message: string) => new AwsError("UnsupportedOperationException", message),
};
