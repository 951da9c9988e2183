import { expect } from "vitest";
import type { App } from "../../server/app.js";
import type { Answer } from "./lib/check.js";
import type { Transport } from "./lib/fuzzer.js";
import { Random } from "./lib/random.js";
import { cognito, dynamodb, ECHO_ZIP, FIXTURE_IMAGES, lambda, rekognition, s3, type FuzzService } from "./lib/services.js";
import type { KnownValues } from "./lib/values.js";
import { requestOf, sign, url, type WireRequest } from "./lib/wire.js";

/** fastify.inject as a transport: no socket, the fastest way through the whole gateway. */
export function injectTransport(app: App): Transport {
  return async (request: WireRequest, headers: Record<string, string>): Promise<Answer> => {
    const res = await app.fastify.inject({ method: request.method as "GET", url: url(request), headers, payload: request.body });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  };
}

/** One well-formed, signed call (for the suite's own set-up); fails the test unless it succeeds. */
export async function call(transport: Transport, service: FuzzService, operation: string, input: Record<string, unknown>, host = "127.0.0.1"): Promise<any> {
  const request = requestOf(service, operation, input, "setup", new Random(1));
  const answer = await transport(request, await sign(service, request, host));
  const text = answer.body.toString("utf8");
  expect(answer.status, `${service.name} ${operation}: ${text.slice(0, 300)}`).toBeLessThan(300);
  if (service.protocol === "rest-xml" || !text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What the fuzzer works on: a collection with a face, a bucket with an image, a user pool with
 * a client and a confirmed user, a function that echoes its event, a table with an item. Their
 * names go into the known values, so generated requests reach them.
 */
export async function seedResources(transport: Transport, known: KnownValues, host?: string): Promise<void> {
  await call(transport, rekognition, "CreateCollection", { CollectionId: "fuzz-faces" }, host);
  const indexed = await call(transport, rekognition, "IndexFaces", { CollectionId: "fuzz-faces", Image: { Bytes: FIXTURE_IMAGES[0]!.toString("base64") }, ExternalImageId: "fuzz" }, host);
  known.harvest(indexed);
  known.add("CollectionId", "fuzz-faces");

  await call(transport, s3, "CreateBucket", { Bucket: "fuzz-bucket" }, host);
  await call(transport, s3, "PutObject", { Bucket: "fuzz-bucket", Key: "image.jpg", Body: FIXTURE_IMAGES[3]!.toString("base64"), ContentType: "image/jpeg" }, host);
  await call(transport, s3, "PutObject", { Bucket: "fuzz-bucket", Key: "text.txt", Body: Buffer.from("hello").toString("base64") }, host);
  for (const name of ["fuzz-bucket"]) known.add("Bucket", name);
  for (const key of ["image.jpg", "text.txt", "dir/nested key.txt"]) known.add("Key", key);
  known.add("Name", "image.jpg");

  const pool = await call(transport, cognito, "CreateUserPool", { PoolName: "fuzz-pool", AutoVerifiedAttributes: ["email"] }, host);
  const poolId = pool.UserPool.Id as string;
  known.add("UserPoolId", poolId);
  const client = await call(transport, cognito, "CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: "fuzz-client",
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
  }, host);
  known.add("ClientId", client.UserPoolClient.ClientId as string);
  await call(transport, cognito, "SignUp", { ClientId: client.UserPoolClient.ClientId, Username: "fuzz-user", Password: "Passw0rd!Fuzz", UserAttributes: [{ Name: "email", Value: "fuzz@example.com" }] }, host);
  await call(transport, cognito, "AdminConfirmSignUp", { UserPoolId: poolId, Username: "fuzz-user" }, host);
  known.add("Username", "fuzz-user");

  await call(transport, lambda, "CreateFunction", {
    FunctionName: "fuzz-fn",
    Runtime: "nodejs20.x",
    Role: "arn:aws:iam::000000000000:role/fuzz",
    Handler: "index.handler",
    Code: { ZipFile: Buffer.from(ECHO_ZIP).toString("base64") },
  }, host);
  known.add("FunctionName", "fuzz-fn");

  await call(transport, dynamodb, "CreateTable", {
    TableName: "fuzz-table",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  }, host);
  await call(transport, dynamodb, "PutItem", { TableName: "fuzz-table", Item: { pk: { S: "item-1" }, v: { N: "1" } } }, host);
  known.add("TableName", "fuzz-table");
  known.add("ResourceArn", "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz-table");
}
