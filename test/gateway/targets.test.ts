import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";
import { signedHeaders } from "../support/sign.js";

// An action is looked up by the name the client sends. Names that every JavaScript object
// answers (its prototype's members) must be as unknown as any other name: AWS answers
// UnknownOperationException, never a 500, never a 200 echoing the body.
const PROTOTYPE_NAMES = [
  "__proto__",
  "constructor",
  "toString",
  "toLocaleString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__defineGetter__",
  "__lookupSetter__",
];

const JSON_SERVICES = [
  { prefix: "RekognitionService", signingName: "rekognition", contentType: "application/x-amz-json-1.1" },
  { prefix: "AWSCognitoIdentityProviderService", signingName: "cognito-idp", contentType: "application/x-amz-json-1.1" },
  { prefix: "DynamoDB_20120810", signingName: "dynamodb", contentType: "application/x-amz-json-1.0" },
];

describe("action names that are members of every object", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
    // A table, so a DynamoDB request naming it gets past any "does the table exist" check.
    const res = await post("dynamodb", "DynamoDB_20120810.CreateTable", "application/x-amz-json-1.0", {
      TableName: "ttt",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => app.close());

  async function post(signingName: string, target: string, contentType: string, input: unknown) {
    const body = JSON.stringify(input);
    const headers = await signedHeaders(signingName, {
      method: "POST",
      path: "/",
      headers: { "x-amz-target": target, "content-type": contentType },
      body,
    });
    return app.fastify.inject({ method: "POST", url: "/", headers, payload: body });
  }

  for (const service of JSON_SERVICES) {
    for (const name of PROTOTYPE_NAMES) {
      it(`${service.prefix}.${name} answers UnknownOperationException`, async () => {
        const target = `${service.prefix}.${name}`;
        // A body an echoing "action" would send back, and a table that exists.
        for (const input of [{}, { TableName: "ttt", CollectionId: "c", echo: "me" }]) {
          const res = await post(service.signingName, target, service.contentType, input);
          expect(res.statusCode, res.body).toBe(400);
          expect(res.headers["x-amzn-errortype"]).toBe("UnknownOperationException");
          expect(res.json()).toEqual({ __type: "UnknownOperationException", message: `Unknown operation ${target}` });
        }
      });
    }
  }

  it("still serves the real actions of each service", async () => {
    const rekognition = await post("rekognition", "RekognitionService.ListCollections", "application/x-amz-json-1.1", {});
    expect(rekognition.statusCode).toBe(200);
    const cognito = await post("cognito-idp", "AWSCognitoIdentityProviderService.ListUserPools", "application/x-amz-json-1.1", { MaxResults: 10 });
    expect(cognito.statusCode).toBe(200);
    const dynamodb = await post("dynamodb", "DynamoDB_20120810.DescribeTimeToLive", "application/x-amz-json-1.0", { TableName: "ttt" });
    expect(dynamodb.statusCode, dynamodb.body).toBe(200);
  });

  it("Lambda: a function or a path segment named like a prototype member is not found", async () => {
    for (const name of PROTOTYPE_NAMES) {
      const path = `/2015-03-31/functions/${encodeURIComponent(name)}`;
      const headers = await signedHeaders("lambda", { method: "GET", path, headers: {} });
      const res = await app.fastify.inject({ method: "GET", url: path, headers });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(404);
      expect(res.headers["x-amzn-errortype"], name).toBe("ResourceNotFoundException");

      const other = `/2015-03-31/${encodeURIComponent(name)}`;
      const otherHeaders = await signedHeaders("lambda", { method: "GET", path: other, headers: {} });
      const unknown = await app.fastify.inject({ method: "GET", url: other, headers: otherHeaders });
      expect(unknown.statusCode, `${name}: ${unknown.body}`).toBe(404);
      expect(unknown.headers["x-amzn-errortype"], name).toBe("UnknownOperationException");
    }
  });

  it("S3: a query parameter named like a prototype member selects no sub-resource (the bucket is listed)", async () => {
    const create = await app.fastify.inject({ method: "PUT", url: "/proto-bucket", headers: await signedHeaders("s3", { method: "PUT", path: "/proto-bucket", headers: {} }) });
    expect(create.statusCode, create.body).toBe(200);
    // Not __proto__: the SDK's signer builds the canonical query in a plain object and drops that
    // one, so no SDK can send it signed (the JSON and Lambda cases above cover it).
    for (const name of PROTOTYPE_NAMES.filter((n) => n !== "__proto__")) {
      const headers = await signedHeaders("s3", { method: "GET", path: "/proto-bucket", query: { [name]: "" }, headers: {} });
      const res = await app.fastify.inject({ method: "GET", url: `/proto-bucket?${encodeURIComponent(name)}`, headers });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
      expect(res.body, name).toContain("<ListBucketResult");
    }
  });
});
