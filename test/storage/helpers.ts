import { signedHeaders } from "../support/sign.js";
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

/** The service error a call must fail with (anything else, or success, fails the test). */
export async function failure<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}

/**
 * fetch() signed with the test pair as the SDK signs (SigV4 for s3), for raw S3 requests that
 * must come from the account rather than anonymously. `host` overrides the Host header
 * (virtual-host style).
 */
export async function signedFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {}): Promise<Response> {
  const u = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const host = init.host ?? u.host;
  const headers = await signedHeaders("s3", { method: init.method ?? "GET", path: u.pathname, query, headers: init.headers ?? {}, body: init.body, host });
  const body = typeof init.body === "string" || init.body === undefined ? init.body : new Uint8Array(init.body);
  return fetch(url, { method: init.method ?? "GET", headers, body });
}
