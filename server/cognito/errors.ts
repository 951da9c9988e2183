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
  /** Too many wrong codes (ConfirmForgotPassword, VerifyUserAttribute) or code requests. */
  attemptLimit: () => new AwsError("LimitExceededException", "Attempt limit exceeded, please try after some time."),
  passwordResetRequired: () => new AwsError("PasswordResetRequiredException", "Password reset required for the user"),
  temporaryPasswordExpired: () => new AwsError("NotAuthorizedException", "Temporary password has expired and must be reset by an administrator."),
  /** A wrong MFA or sign-in code (SOFTWARE_TOKEN_MFA, EMAIL_OTP). */
  authCodeMismatch: () => new AwsError("CodeMismatchException", "Invalid code or auth state for the user."),
  softwareTokenMismatch: () => new AwsError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"),
  softwareTokenNotFound: () => new AwsError("SoftwareTokenMFANotFoundException", "Software Token MFA does not exist for the user."),
  groupExists: (name: string) => new AwsError("GroupExistsException", `A group with the name ${name} already exists.`),
  groupNotFound: () => new AwsError("ResourceNotFoundException", "Group not found."),
  /** UserMigration threw or found nobody. */
  migrationFailed: (clientId: string) => new AwsError("UserNotFoundException", `Exception migrating user in app client ${clientId}`),
  noRecoveryAddress: () =>
    new AwsError("InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number"),
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
