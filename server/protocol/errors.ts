/**
 * An error as AWS puts it on the wire: `{"__type": type, "message": message}` with a status.
 * Each service keeps its own typed constructors (server/<service>/errors.ts) built on this;
 * the gateway maps any AwsError to the wire in one place and anything else to a 500.
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Extra members serialised beside __type and message (rare). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

/** Errors any JSON-protocol service can answer. */
export const CommonErrors = {
  unknownOperation: (target: string) =>
    new AwsError("UnknownOperationException", `Unknown operation ${target}`),
  notImplemented: (service: string, action: string) =>
    new AwsError(
      "NotImplementedException",
      `${service} ${action} is not implemented by rekognito. See the README for the implemented actions.`,
      501,
    ),
  serialization: (message: string) => new AwsError("SerializationException", message),
  missingAuthentication: () =>
    new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
  tooLarge: (limit: number) =>
    new AwsError("RequestEntityTooLargeException", `Request must be smaller than ${limit} bytes for the operation`, 413),
  internal: (message = "An internal error occurred.") => new AwsError("InternalFailure", message, 500),
};

/**
 * Authentication errors of the JSON services (Rekognition, Cognito, DynamoDB: 400, as AWS's JSON
 * front answers) and the REST-JSON ones (Lambda, SES: 403), as the request policy answers them.
 * Wording as AWS's: "Request is missing Authentication Token" is the JSON services' (DynamoDB's
 * MissingAuthenticationTokenException); the REST services say "Missing Authentication Token".
 */
export const AuthErrors = {
  missing: (rest: boolean) =>
    rest ? CommonErrors.missingAuthentication() : new AwsError("MissingAuthenticationTokenException", "Request is missing Authentication Token", 400),
  incomplete: (message: string, rest: boolean) => new AwsError("IncompleteSignatureException", message, rest ? 403 : 400),
  invalidSignature: (rest: boolean, canonicalRequest?: string, stringToSign?: string) =>
    new AwsError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
        (canonicalRequest !== undefined
          ? `\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign ?? ""}'\n`
          : ""),
      rest ? 403 : 400,
    ),
  /** The credential scope's date is not the day of X-Amz-Date. */
  scopeDate: (scopeDate: string, amzDate: string, rest: boolean) =>
    new AwsError(
      "InvalidSignatureException",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      rest ? 403 : 400,
    ),
  /** More than 15 minutes before the server's clock ("expired") or after it ("not yet current"). */
  skewed: (amzDate: string, now: string, bound: string, late: boolean, rest: boolean) =>
    new AwsError(
      "InvalidSignatureException",
      late
        ? `Signature expired: ${amzDate} is now earlier than ${bound} (${now} - 15 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${bound} (${now} + 15 min.)`,
      rest ? 403 : 400,
    ),
  unrecognizedClient: (rest: boolean) =>
    new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", rest ? 403 : 400),
  /** The request policy's own refusals (Host, Origin): not AWS's, worded to say what to change. */
  refused: (message: string) => new AwsError("AccessDeniedException", message, 403),
};

