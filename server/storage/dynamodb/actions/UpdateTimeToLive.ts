import type { UpdateTimeToLiveInput, UpdateTimeToLiveOutput } from "@aws-sdk/client-dynamodb";
import { DynamoDBErrors } from "../errors.js";
import type { DynamoDBServices } from "../services.js";

/** AWS's checks of the input (the gateway has no DynamoDB model to validate against). */
function validate(input: UpdateTimeToLiveInput): string[] {
  const errors: string[] = [];
  const spec = input.TimeToLiveSpecification;
  if (spec === undefined || spec === null) {
    errors.push("Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
    return errors;
  }
  if (typeof spec.Enabled !== "boolean") errors.push("Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null");
  const name = spec.AttributeName;
  if (typeof name !== "string") {
    errors.push("Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null");
  } else if (name.length < 1 || name.length > 255) {
    errors.push(
      `Value '${name}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255 and greater than or equal to 1`,
    );
  }
  return errors;
}

/**
 * Enables or disables TTL on a table, at once (AWS takes up to an hour, ENABLING meanwhile,
 * and refuses a second change within that hour; rekognito does neither). Not idempotent,
 * as AWS: enabling twice is "TimeToLive is already enabled".
 */
export const UpdateTimeToLive =
  ({ ttl }: Pick<DynamoDBServices, "ttl">) =>
  (input: UpdateTimeToLiveInput): UpdateTimeToLiveOutput => {
    const errors = validate(input);
    if (errors.length) throw DynamoDBErrors.validation(`${errors.length} validation error${errors.length > 1 ? "s" : ""} detected: ${errors.join("; ")}`);
    const spec = input.TimeToLiveSpecification!;
    const table = input.TableName!;
    const current = ttl.get(table);
    const active = current?.Enabled === true;
    if (active && current.AttributeName !== spec.AttributeName) {
      throw DynamoDBErrors.validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`);
    }
    if (active && spec.Enabled) throw DynamoDBErrors.validation("TimeToLive is already enabled");
    if (!active && !spec.Enabled) throw DynamoDBErrors.validation("TimeToLive is already disabled");
    ttl.set(table, { AttributeName: spec.AttributeName, Enabled: spec.Enabled });
    return { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } };
  };
