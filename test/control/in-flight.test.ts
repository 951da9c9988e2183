import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateCollectionCommand, ListCollectionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolsCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { startStack, type Stack } from "../../server/stack.js";
import type { LambdaService } from "../../server/lambda/index.js";
import { deployTrigger, TRIGGER_SOURCES } from "../cognito/helpers.js";
import { control } from "./helpers.js";
import { sdkConfig } from "../support/clients.js";

/**
 * A reset while requests are in flight: each request is answered wholly by the state before the
 * reset or wholly by the state after it, and none with a 5xx. A trigger running when the reset
 * comes still reaches its own state with the calls it makes, and finishes.
 */

let stack: Stack;
// One attempt each: a retry would hide what the first answer was.
const config = () => sdkConfig(stack.endpoint, { maxAttempts: 1 });

beforeAll(async () => {
  stack = await startStack({ drainMs: 8000 });
});
afterAll(() => stack?.close());

describe("a reset among requests in flight", () => {
  it("answers each of 150 requests from the old state or the new one, never a mix or a 5xx", async () => {
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const dynamodb = new DynamoDBClient(config());
    const rekognition = new RekognitionClient(config());
    await s3.send(new CreateBucketCommand({ Bucket: "busy" }));
    for (let i = 0; i < 30; i++) await s3.send(new PutObjectCommand({ Bucket: "busy", Key: `k${String(i).padStart(2, "0")}`, Body: `v${i}` }));
    await dynamodb.send(
      new CreateTableCommand({ TableName: "busy", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: "busy", Item: { id: { S: "one" }, n: { N: "1" } } }));
    await rekognition.send(new CreateCollectionCommand({ CollectionId: "busy" }));

    type Outcome = "old" | "new";
    const kinds = [
      async (): Promise<Outcome> => {
        try {
          const listed = await s3.send(new ListObjectsV2Command({ Bucket: "busy" }));
          // The old bucket, whole: never some of its keys.
          expect(listed.KeyCount).toBe((listed.Contents ?? []).length);
          expect((listed.Contents ?? []).filter((o) => /^k\d\d$/.test(o.Key!)).length).toBe(30);
          return "old";
        } catch (error) {
          expect((error as Error).name).toBe("NoSuchBucket");
          return "new";
        }
      },
      async (): Promise<Outcome> => {
        try {
          const got = await dynamodb.send(new GetItemCommand({ TableName: "busy", Key: { id: { S: "one" } } }));
          expect(got.Item).toEqual({ id: { S: "one" }, n: { N: "1" } });
          return "old";
        } catch (error) {
          expect((error as Error).name).toBe("ResourceNotFoundException");
          return "new";
        }
      },
      async (): Promise<Outcome> => {
        const ids = (await rekognition.send(new ListCollectionsCommand({}))).CollectionIds ?? [];
        expect([["busy"], []]).toContainEqual(ids);
        return ids.length ? "old" : "new";
      },
      async (): Promise<Outcome> => {
        try {
          await s3.send(new PutObjectCommand({ Bucket: "busy", Key: `extra-${Math.random()}`, Body: "x" }));
          return "old";
        } catch (error) {
          expect((error as Error).name).toBe("NoSuchBucket");
          return "new";
        }
      },
    ];

    // Eight at a time; the reset starts when the 50th has answered.
    const outcomes: Outcome[] = new Array(150);
    let next = 0;
    let resetting: Promise<Awaited<ReturnType<typeof control>>> | undefined;
    let answered = 0;
    const worker = async () => {
      while (next < outcomes.length) {
        const i = next++;
        outcomes[i] = await kinds[i % kinds.length]!();
        if (++answered === 50) resetting = control(stack.endpoint, "POST", "/_rekognito/reset");
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const reset = await resetting!;
    expect(reset.status).toBe(200);
    expect(reset.json.cleared).toMatchObject({ s3: { buckets: 1 }, rekognition: { collections: 1 } });
    // The 30 objects and the extra ones written before the reset.
    expect(reset.json.cleared.s3.objects).toBeGreaterThan(30);
    // Everything answered before the reset was old; the last answers are new.
    expect(outcomes.slice(0, 50).every((o) => o === "old")).toBe(true);
    expect(outcomes.slice(-20).every((o) => o === "new")).toBe(true);
    // After the reset: nothing of the old state, and no object written into a half-reset one.
    await expect(s3.send(new ListObjectsV2Command({ Bucket: "busy" }))).rejects.toMatchObject({ name: "NoSuchBucket" });
  });

  it("lets a running trigger's own calls reach its state: the sign-in finishes, the reset waits for it, and what came meanwhile sees the new state", async () => {
    const cognito = new CognitoIdentityProviderClient(config());
    const lambda = new LambdaClient(config());
    const rekognition = new RekognitionClient(config());
    // Verify: waits, then asks Rekognition (with the X-Ray header the runner gives it) whether
    // the answer names a collection.
    const verify = `const { RekognitionClient, ListCollectionsCommand } = require("@aws-sdk/client-rekognition");
const rekognition = new RekognitionClient({});
exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, 600));
  const { CollectionIds } = await rekognition.send(new ListCollectionsCommand({}));
  event.response.answerCorrect = (CollectionIds || []).includes(event.request.challengeAnswer);
  return event;
};`;
    const [define, create, verifyArn] = await Promise.all([
      deployTrigger(lambda, "define", TRIGGER_SOURCES.define),
      deployTrigger(lambda, "create", TRIGGER_SOURCES.create),
      deployTrigger(lambda, "verify", verify),
    ]);
    const pool = await cognito.send(
      new CreateUserPoolCommand({ PoolName: "in-flight", LambdaConfig: { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verifyArn } }),
    );
    const poolId = pool.UserPool!.Id!;
    const clientId = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c", ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH"] }))).UserPoolClient!.ClientId!;
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "ada", MessageAction: "SUPPRESS" }));
    await rekognition.send(new CreateCollectionCommand({ CollectionId: "before-the-reset" }));
    // A first sign-in warms the triggers' environments.
    const warm = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "ada" } }));
    await cognito.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "CUSTOM_CHALLENGE", Session: warm.Session, ChallengeResponses: { USERNAME: "ada", ANSWER: "before-the-reset" } }));

    const started = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "ada" } }));
    const order: string[] = [];
    const responding = cognito
      .send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "CUSTOM_CHALLENGE", Session: started.Session, ChallengeResponses: { USERNAME: "ada", ANSWER: "before-the-reset" } }))
      .finally(() => order.push("sign-in"));
    // Once Verify runs (it waits 600 ms before its call), the reset starts.
    const runner = (stack.app.components.find((c) => c.name === "lambda") as LambdaService).backend.runner;
    for (let i = 0; i < 400 && !(runner.stats()["verify"]?.busy ?? 0); i++) await new Promise((r) => setTimeout(r, 5));
    expect(runner.stats()["verify"]?.busy).toBe(1);
    const resetting = control(stack.endpoint, "POST", "/_rekognito/reset").finally(() => order.push("reset"));
    await new Promise((r) => setTimeout(r, 50));
    // Sent while the reset holds the door: answered by the new state.
    const meanwhile = rekognition.send(new ListCollectionsCommand({})).finally(() => order.push("meanwhile"));

    const signedIn = await responding;
    expect(signedIn.AuthenticationResult?.IdToken).toBeTruthy();
    expect((await resetting).status).toBe(200);
    expect((await meanwhile).CollectionIds).toEqual([]);
    expect(order).toEqual(["sign-in", "reset", "meanwhile"]);
    expect((await cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools).toEqual([]);
  });
});
