import { errorName, generatedName, type ResourceHandler } from "./types.js";

/**
 * AWS::DynamoDB::Table: DescribeTable, else CreateTable with the template's keys and indexes,
 * then its Time to Live. An existing table is left as it is (its items are the app's state).
 * SSESpecification and PointInTimeRecoverySpecification have no local effect.
 */
export const DynamoDBTable: ResourceHandler = async (ctx, id, resource, p) => {
  const { client } = ctx;
  const name: string = p.TableName ?? generatedName(ctx.stackName, id, resource.Type);
  let exists = true;
  try {
    await client.json("dynamodb", "DescribeTable", { TableName: name });
  } catch (error) {
    if (errorName(error) !== "ResourceNotFoundException") throw error;
    exists = false;
  }
  if (!exists) {
    await client.json("dynamodb", "CreateTable", {
      TableName: name,
      AttributeDefinitions: p.AttributeDefinitions,
      KeySchema: p.KeySchema,
      BillingMode: p.BillingMode ?? "PROVISIONED",
      ...(p.ProvisionedThroughput ? { ProvisionedThroughput: p.ProvisionedThroughput } : {}),
      ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
      ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
    });
    if (p.TimeToLiveSpecification?.Enabled) {
      const spec = { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true };
      await ctx.optional(`${id} time to live`, () => client.json("dynamodb", "UpdateTimeToLive", { TableName: name, TimeToLiveSpecification: spec }));
    }
  }
  return { physicalId: name, attributes: { Arn: `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}` }, kept: exists && ctx.unchanged(id, p) };
};
