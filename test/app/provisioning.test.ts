import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetFunctionConfigurationCommand, GetPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand, DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeCollectionCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { startStack, type Stack } from "../../server/stack.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { provisionTemplate, type FaceLoginResources } from "../../server/provisioning/provision.js";
import { sdkConfig } from "../support/clients.js";

// template.yaml provisioned into a stack as `npm start` does it: every resource's settings read
// back through the unmodified SDK clients, a second provisioning that changes nothing, and
// templates the provisioner must refuse.

const invokes = (logger: MemoryLogger) => logger.lines.filter((line) => /\blambda\b.*\bInvoke\b/.test(line)).length;

describe("provisioning template.yaml", () => {
  let stack: Stack;
  let resources: FaceLoginResources;
  const logger = new MemoryLogger();
  const config = () => sdkConfig(stack.endpoint, { region: stack.region });

  beforeAll(async () => {
    stack = await startStack({ logger });
    resources = await provisionTemplate(stack);
  });
  afterAll(() => stack?.close());

  it("puts each bucket's CORS, encryption, public access block, lifecycle, policy and S3 event as the template says", async () => {
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    for (const bucket of [resources.documentsBucket, resources.signInBucket]) {
      const cors = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
      expect(cors.CORSRules).toEqual([{ AllowedMethods: ["PUT"], AllowedOrigins: ["*"], AllowedHeaders: ["*"], MaxAgeSeconds: 300 }]);
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
      const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!) as { Statement: { Effect: string; Condition?: unknown }[] };
      expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    }
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: resources.signInBucket }));
    expect(lifecycle.Rules?.[0]).toMatchObject({ Status: "Enabled", Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: resources.documentsBucket }));
    const [event, ...more] = notification.LambdaFunctionConfigurations ?? [];
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      Id: "IndexFacesFunctionDocumentUploaded",
      LambdaFunctionArn: `arn:aws:lambda:${stack.region}:000000000000:function:face-login-index-faces`,
      Events: ["s3:ObjectCreated:*"],
    });
    // (AWS answers the rule's name capitalised, "Prefix"; what matters here is the rule.)
    expect(event!.Filter?.Key?.FilterRules?.map((r) => [r.Name?.toLowerCase(), r.Value])).toEqual([["prefix", "documents/"]]);
  });

  it("makes the tables with their index and time to live, the functions with their settings, the pool with its triggers and the client", async () => {
    const dynamodb = new DynamoDBClient(config());
    const faces = await dynamodb.send(new DescribeTableCommand({ TableName: resources.facesTable }));
    expect(faces.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["by-email"]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: resources.challengesTable! }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe("ENABLED");

    const lambda = new LambdaClient(config());
    const indexFaces = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "face-login-index-faces" }));
    expect(indexFaces).toMatchObject({ Runtime: "nodejs22.x", Handler: "index.handler", MemorySize: 256, State: "Active" });
    expect(indexFaces.Environment?.Variables).toMatchObject({ FACES_TABLE: resources.facesTable, COLLECTION_ID: resources.collectionId });
    const permission = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: "face-login-define-auth-challenge" }))).Policy!) as { Statement: { Principal: unknown }[] };
    expect(permission.Statement[0]!.Principal).toEqual({ Service: "cognito-idp.amazonaws.com" });

    const cognito = new CognitoIdentityProviderClient(config());
    const pool = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: resources.userPoolId }))).UserPool!;
    expect(Object.keys(pool.LambdaConfig ?? {}).sort()).toEqual(["CreateAuthChallenge", "DefineAuthChallenge", "PreSignUp", "VerifyAuthChallengeResponse"]);
    expect(pool.LambdaConfig?.DefineAuthChallenge).toBe(`arn:aws:lambda:${stack.region}:000000000000:function:face-login-define-auth-challenge`);
    const client = (await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: resources.userPoolId, ClientId: resources.userPoolClientId }))).UserPoolClient!;
    expect(client).toMatchObject({ ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], PreventUserExistenceErrors: "ENABLED", AuthSessionValidity: 3 });

    // The custom resource's function made the collection.
    const rekognition = new RekognitionClient(config());
    expect((await rekognition.send(new DescribeCollectionCommand({ CollectionId: resources.collectionId }))).FaceCount).toBe(0);
    // Everything the local engines implement was applied: nothing is noted as left out.
    expect(logger.lines.filter((line) => line.includes("not applied"))).toEqual([]);
  });

  it("finds everything again the second time, and does not send the unchanged custom resource to its function", async () => {
    const before = invokes(logger);
    expect(before).toBe(1);
    const again = await provisionTemplate(stack);
    expect(again).toEqual(resources);
    expect(invokes(logger)).toBe(before);
  });

  it("calls the stack in-process: an endpoint nothing listens on does not matter", async () => {
    const other = await startStack({ logger: new MemoryLogger() });
    try {
      const made = await provisionTemplate({ endpoint: "http://127.0.0.1:9", region: other.region, app: other.app });
      expect(made.userPoolId).toMatch(/^us-east-1_/);
      const cognito = new CognitoIdentityProviderClient(sdkConfig(other.endpoint, { region: other.region }));
      expect((await cognito.send(new DescribeUserPoolCommand({ UserPoolId: made.userPoolId }))).UserPool?.Name).toBeDefined();
    } finally {
      await other.close();
    }
  });
});

describe("provisioning refuses what it cannot make", () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), "rekognito-template-"));
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const template = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("names a resource type it does not support", async () => {
    const path = template("queue.yaml", "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n");
    await expect(provisionTemplate(stack, { templatePath: path })).rejects.toThrow("Jobs: AWS::SQS::Queue is not supported by rekognito's provisioner");
  });

  it("fails with the service's own error for a setting AWS would refuse", async () => {
    const path = template(
      "table.yaml",
      [
        "Resources:",
        "  BadTable:",
        "    Type: AWS::DynamoDB::Table",
        "    Properties:",
        "      BillingMode: FAST",
        "      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]",
        "      KeySchema: [{ AttributeName: id, KeyType: HASH }]",
        "",
      ].join("\n"),
    );
    const failure = await provisionTemplate(stack, { templatePath: path, stackName: "bad" }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe("ValidationException");
    expect((failure as Error).message).toContain("billingMode");
  });
});
