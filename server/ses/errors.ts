import { AwsError } from "../protocol/errors.js";

/** SESv2's errors (rest-json: the type travels in x-amzn-ErrorType and the body's __type). */
export const SesErrors = {
  badRequest: (message: string) => new AwsError("BadRequestException", message),
  messageRejected: (message: string) => new AwsError("MessageRejected", message),
  notImplemented: (what: string) =>
    new AwsError("NotImplementedException", `SESv2 SendEmail with ${what} is not implemented by rekognito: send Content.Simple.`, 501),
};
