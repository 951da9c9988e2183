import { AwsError } from "../protocol/errors.js";
import type { RestErrors } from "../protocol/rest-json.js";

/** SESv2's errors (rest-json: the type travels in x-amzn-ErrorType and the body's __type). */
export const SesErrors = {
  badRequest: (message: string) => new AwsError("BadRequestException", message),
  messageRejected: (message: string) => new AwsError("MessageRejected", message),
  notImplemented: (what: string) =>
    new AwsError("NotImplementedException", `SESv2 SendEmail with ${what} is not implemented by rekognito: send Content.Simple.`, 501),
  actionNotImplemented: (operation: string) =>
    new AwsError("NotImplementedException", `SESv2 ${operation} is not implemented by rekognito. See the README for the implemented actions.`, 501),
  unknownOperation: (method: string, path: string) => new AwsError("UnknownOperationException", `Unknown operation ${method} ${path}`, 404),
  internal: () => new AwsError("InternalFailure", "An internal error occurred.", 500),
};

/** The REST-JSON pipeline's own errors in SES's words: a body or input it cannot take is BadRequestException. */
export const sesRestErrors: RestErrors = {
  notImplemented: SesErrors.actionNotImplemented,
  unknownOperation: SesErrors.unknownOperation,
  invalidBody: SesErrors.badRequest,
  validation: SesErrors.badRequest,
  internal: SesErrors.internal,
};
