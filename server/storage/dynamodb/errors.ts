import { AwsError } from "../../protocol/errors.js";

/** DynamoDB errors rekognito itself answers (everything else comes from the engine behind). */
export const DynamoDBErrors = {
  validation: (message: string) => new AwsError("ValidationException", message),
  /** The engine behind (dynalite, or the external endpoint) could not be reached. */
  unavailable: (where: string, cause: string) =>
    new AwsError("ServiceUnavailable", `rekognito could not reach DynamoDB at ${where}: ${cause}`, 503),
};
