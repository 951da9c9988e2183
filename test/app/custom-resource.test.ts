import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeCollectionCommand, ResourceNotFoundException } from "@aws-sdk/client-rekognition";
import { startLocalApp, type AppUnderTest } from "./helpers.js";
import { sdkConfig } from "../support/clients.js";

/**
 * lambdas/create-collection as CloudFormation drives it: Create, Create again (idempotent),
 * Update to a new id, Delete of the old one, a failed Create's Delete; every answer PUT to the
 * event's ResponseURL.
 */

let app: AppUnderTest;
let lambda: LambdaClient;
let server: Server;
let responseUrl: string;
const answers: Record<string, unknown>[] = [];

beforeAll(async () => {
  // In-process always: the function PUTs its answers to a server on this machine's loopback.
  app = await startLocalApp();
  lambda = new LambdaClient(sdkConfig(app.endpoint, { region: app.resources.region }));
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      answers.push({ method: request.method, contentType: request.headers["content-type"], ...JSON.parse(body) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  responseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/response`;
});
afterAll(async () => {
  server?.close();
  await app?.close();
});

async function send(event: Record<string, unknown>) {
  const base = { ServiceToken: "arn:aws:lambda:us-east-1:000000000000:function:face-login-create-collection", ResponseURL: responseUrl, StackId: "arn:aws:cloudformation:us-east-1:000000000000:stack/t/1", RequestId: `r${answers.length}`, ResourceType: "Custom::RekognitionCollection", LogicalResourceId: "Extra" };
  const invoked = await lambda.send(new InvokeCommand({ FunctionName: "face-login-create-collection", Payload: Buffer.from(JSON.stringify({ ...base, ...event })) }));
  expect(invoked.FunctionError).toBeUndefined();
  return answers[answers.length - 1]!;
}

const exists = async (id: string) =>
  app.rekognition.send(new DescribeCollectionCommand({ CollectionId: id })).then(
    () => true,
    (error) => {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    },
  );

describe("create-collection custom resource", () => {
  it("creates the collection, answering SUCCESS with its id and ARN by a PUT to the ResponseURL", async () => {
    const answer = await send({ RequestType: "Create", ResourceProperties: { CollectionId: "extra-one" } });
    expect(answer).toMatchObject({ method: "PUT", Status: "SUCCESS", PhysicalResourceId: "extra-one", RequestId: "r0", LogicalResourceId: "Extra", Data: { CollectionId: "extra-one", CollectionArn: expect.stringMatching(/collection\/extra-one$/) } });
    expect(await exists("extra-one")).toBe(true);
  });

  it("is idempotent: creating an existing collection succeeds and keeps it", async () => {
    const answer = await send({ RequestType: "Create", ResourceProperties: { CollectionId: "extra-one" } });
    expect(answer).toMatchObject({ Status: "SUCCESS", Data: { CollectionArn: expect.stringMatching(/collection\/extra-one$/) } });
  });

  it("updates to a new id by creating it; CloudFormation's Delete of the old id removes the old one", async () => {
    const update = await send({ RequestType: "Update", PhysicalResourceId: "extra-one", ResourceProperties: { CollectionId: "extra-two" }, OldResourceProperties: { CollectionId: "extra-one" } });
    expect(update).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: "extra-two" });
    expect(await exists("extra-two")).toBe(true);
    const remove = await send({ RequestType: "Delete", PhysicalResourceId: "extra-one", ResourceProperties: { CollectionId: "extra-one" } });
    expect(remove).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: "extra-one" });
    expect(await exists("extra-one")).toBe(false);
    expect(await exists("extra-two")).toBe(true);
  });

  it("answers FAILED with the reason for a bad id, and that failed resource's Delete touches nothing", async () => {
    const failed = await send({ RequestType: "Create", ResourceProperties: { CollectionId: "not valid!" } });
    expect(failed).toMatchObject({ Status: "FAILED", Reason: expect.stringContaining("CollectionId must match") });
    const remove = await send({ RequestType: "Delete", PhysicalResourceId: failed.PhysicalResourceId, ResourceProperties: { CollectionId: "not valid!" } });
    expect(remove).toMatchObject({ Status: "SUCCESS" });
    expect(await exists(app.resources.collectionId)).toBe(true);
  });
});
