import type { DescribeTimeToLiveInput, DescribeTimeToLiveOutput } from "@aws-sdk/client-dynamodb";
import type { DynamoDBServices } from "../services.js";

/** The table's TTL setting: ENABLED with its attribute, or DISABLED (also when never set). */
export const DescribeTimeToLive =
  ({ ttl }: Pick<DynamoDBServices, "ttl">) =>
  (input: DescribeTimeToLiveInput): DescribeTimeToLiveOutput => {
    const spec = ttl.get(input.TableName!);
    if (!spec?.Enabled) return { TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } };
    return { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: spec.AttributeName } };
  };
