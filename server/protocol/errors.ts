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
