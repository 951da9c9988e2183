import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The reference app's faces table: one item per indexed face, looked up by user too. */
export async function createFacesTable(client: DynamoDBClient, name = "faces"): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "faceId", AttributeType: "S" },
        { AttributeName: "userSub", AttributeType: "S" },
        { AttributeName: "indexedAt", AttributeType: "N" },
      ],
      KeySchema: [{ AttributeName: "faceId", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "byUser",
          KeySchema: [
            { AttributeName: "userSub", KeyType: "HASH" },
            { AttributeName: "indexedAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
}
