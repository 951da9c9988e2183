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
    // inject hands headers to the app as they are; an HTTP parser (and every HTTP client) refuses
    // control characters and anything past one byte, so a request with them is not sendable.
    for (const [name, value] of Object.entries(headers)) {
      if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new Error(`header ${name} cannot go on the wire`);
    }
    const res = await app.fastify.inject({ method: request.method as "GET", url: url(request), headers, payload: request.body });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  };
}

/**
 * One well-formed, signed call (for the suite's own set-up); fails the test unless it succeeds,
 * or, when `lenient`, returns null (what it makes may exist already).
 */
export async function call(transport: Transport, service: FuzzService, operation: string, input: Record<string, unknown>, host = "127.0.0.1", lenient = false): Promise<any> {
  const request = requestOf(service, operation, input, "setup", new Random(1));
  const answer = await transport(request, await sign(service, request, host));
  const text = answer.body.toString("utf8");
  if (lenient && answer.status >= 300) return null;
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
export async function seedResources(transport: Transport, known: KnownValues, host?: string, again = false): Promise<void> {
  const make = (service: FuzzService, operation: string, input: Record<string, unknown>) => call(transport, service, operation, input, host, again);
  await make(rekognition, "CreateCollection", { CollectionId: "fuzz-faces" });
  const indexed = await make(rekognition, "IndexFaces", { CollectionId: "fuzz-faces", Image: { Bytes: FIXTURE_IMAGES[0]!.toString("base64") }, ExternalImageId: "fuzz" });
  if (indexed) known.harvest(indexed);
  known.add("CollectionId", "fuzz-faces");

  await make(s3, "CreateBucket", { Bucket: "fuzz-bucket" });
  await make(s3, "PutObject", { Bucket: "fuzz-bucket", Key: "image.jpg", Body: FIXTURE_IMAGES[3]!.toString("base64"), ContentType: "image/jpeg" });
  await make(s3, "PutObject", { Bucket: "fuzz-bucket", Key: "text.txt", Body: Buffer.from("hello").toString("base64") });
  for (const name of ["fuzz-bucket"]) known.add("Bucket", name);
  for (const key of ["image.jpg", "text.txt", "dir/nested key.txt"]) known.add("Key", key);
  known.add("Name", "image.jpg");

  // A fresh pool each time (its id is new): the fuzzer may have deleted the last one.
  const pool = await make(cognito, "CreateUserPool", { PoolName: "fuzz-pool", AutoVerifiedAttributes: ["email"] });
  const poolId = pool?.UserPool?.Id as string | undefined;
  if (poolId) {
    known.add("UserPoolId", poolId);
    const client = await make(cognito, "CreateUserPoolClient", {
      UserPoolId: poolId,
      ClientName: "fuzz-client",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    });
    const clientId = client?.UserPoolClient?.ClientId as string | undefined;
    if (clientId) {
      known.add("ClientId", clientId);
      await make(cognito, "SignUp", { ClientId: clientId, Username: "fuzz-user", Password: "Passw0rd!Fuzz", UserAttributes: [{ Name: "email", Value: "fuzz@example.com" }] });
      await make(cognito, "AdminConfirmSignUp", { UserPoolId: poolId, Username: "fuzz-user" });
      // Tokens and a session, for the actions that take them (GetUser, RevokeToken, RespondToAuthChallenge...).
      const signedIn = await make(cognito, "InitiateAuth", { ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "fuzz-user", PASSWORD: "Passw0rd!Fuzz" } });
      if (signedIn) known.harvest(signedIn);
    }
  }
  known.add("Username", "fuzz-user");

  await make(lambda, "CreateFunction", {
    FunctionName: "fuzz-fn",
    Runtime: "nodejs20.x",
    Role: "arn:aws:iam::000000000000:role/fuzz",
    Handler: "index.handler",
    Code: { ZipFile: Buffer.from(ECHO_ZIP).toString("base64") },
  });
  known.add("FunctionName", "fuzz-fn");

  await make(dynamodb, "CreateTable", {
    TableName: "fuzz-table",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  await make(dynamodb, "PutItem", { TableName: "fuzz-table", Item: { pk: { S: "item-1" }, v: { N: "1" } } });
  known.add("TableName", "fuzz-table");
  known.add("ResourceArn", "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz-table");
}
