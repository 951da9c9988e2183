import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetBucketNotificationConfigurationCommand, GetBucketPolicyCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startStack, type Stack } from "../../server/stack.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { provisionTemplate } from "../../server/provisioning/provision.js";
import { creationOrder, readTemplate } from "../../server/provisioning/template.js";
import type { ResourceRecord } from "../../server/provisioning/resources/index.js";
import { sdkConfig } from "../support/clients.js";
import { loggedActions as actions } from "../support/request-log.js";

const LAMBDAS = fileURLToPath(new URL("../../lambdas/", import.meta.url));

// Resources that do not refer to each other are made at once (as CloudFormation makes them):
// what comes out is what one at a time made, the journal lists them in the template's creation
// order whichever finished first, and a failure is still the failing resource's own error.


const table = (id: string, billing = "PAY_PER_REQUEST") => [
  `  ${id}:`,
  "    Type: AWS::DynamoDB::Table",
  "    Properties:",
  `      BillingMode: ${billing}`,
  "      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]",
  "      KeySchema: [{ AttributeName: id, KeyType: HASH }]",
];
const bucket = (id: string) => [`  ${id}:`, "    Type: AWS::S3::Bucket", "    Properties:", `      BucketName: !Sub "\${AWS::StackName}-${id.toLowerCase()}"`];
const policy = (id: string, bucketId: string) => [
  `  ${id}:`,
  "    Type: AWS::S3::BucketPolicy",
  "    Properties:",
  `      Bucket: !Ref ${bucketId}`,
  "      PolicyDocument:",
  "        Statement:",
  "          - Effect: Deny",
  '            Principal: "*"',
  '            Action: "s3:*"',
  `            Resource: !Sub "arn:aws:s3:::\${${bucketId}}/*"`,
  "            Condition: { Bool: { aws:SecureTransport: \"false\" } }",
];

describe("provisioning resources at once", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-provision-concurrent-"));
  const logger = new MemoryLogger();
  let stack: Stack;
  const config = () => sdkConfig(stack.endpoint, { region: stack.region });
  const template = (name: string, lines: string[][]) => {
    const path = join(dataDir, name);
    writeFileSync(path, ["Resources:", ...lines.flat(), "Outputs:", "  First:", "    Value: !Ref FirstBucket", ""].join("\n"));
    return path;
  };
  /** The stack's journal of a stack name, as a restart reads it. */
  const journal = (stackName: string) => stack.app.core.persistence.journal<ResourceRecord>(`stack-${stackName}`).load();

  beforeAll(async () => {
    stack = await startStack({ dataDir, logger });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("makes the same resources as one at a time, journaled in creation order", async () => {
    const path = template("independent.yaml", [bucket("FirstBucket"), policy("FirstPolicy", "FirstBucket"), table("Items"), bucket("SecondBucket"), table("Events")]);
    const atOnce = await provisionTemplate(stack, { templatePath: path, stackName: "at-once" });
    const oneByOne = await provisionTemplate(stack, { templatePath: path, stackName: "one-by-one", concurrency: 1 });
    expect(atOnce).toEqual({ first: "at-once-firstbucket", region: stack.region });
    expect(oneByOne).toEqual({ first: "one-by-one-firstbucket", region: stack.region });

    const order = creationOrder(readTemplate(path));
    expect(journal("at-once").map((r) => r.logicalId)).toEqual(order);
    expect(journal("one-by-one").map((r) => r.logicalId)).toEqual(order);
    const shape = (records: ResourceRecord[], stackName: string) => JSON.parse(JSON.stringify(records).replaceAll(stackName, "<stack>"));
    expect(shape(journal("at-once"), "at-once")).toEqual(shape(journal("one-by-one"), "one-by-one"));

    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const dynamodb = new DynamoDBClient(config());
    for (const name of ["at-once-firstbucket", "at-once-secondbucket"]) await s3.send(new HeadBucketCommand({ Bucket: name }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: "at-once-firstbucket" }))).Policy).toContain("aws:SecureTransport");
    for (const name of ["at-once-items", "at-once-events"]) expect((await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus).toBe("ACTIVE");

    // Found again: only checks are sent.
    const from = logger.lines.length;
    expect(await provisionTemplate(stack, { templatePath: path, stackName: "at-once" })).toEqual(atOnce);
    expect(actions(logger, from).filter((a) => !/\s(HeadBucket|DescribeTable)$/.test(a))).toEqual([]);
  });

  it("reports the failing resource's own error (the first in creation order), and keeps what it made", async () => {
    const failing = template("failing.yaml", [bucket("FirstBucket"), table("BadTable", "FAST"), bucket("SecondBucket"), table("WorseTable", "SLOWER")]);
    const failure = await provisionTemplate(stack, { templatePath: failing, stackName: "failing" }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe("ValidationException");
    expect((failure as Error).message).toContain("FAST");
    // The buckets were made alongside: journaled, and found again once the tables are fixed.
    expect(journal("failing").map((r) => r.logicalId)).toEqual(["FirstBucket", "SecondBucket"]);
    const fixed = template("fixed.yaml", [bucket("FirstBucket"), table("BadTable"), bucket("SecondBucket"), table("WorseTable")]);
    const from = logger.lines.length;
    expect(await provisionTemplate(stack, { templatePath: fixed, stackName: "failing" })).toEqual({ first: "failing-firstbucket", region: stack.region });
    expect(actions(logger, from).filter((a) => a.startsWith("s3 "))).toEqual(["s3 HeadBucket", "s3 HeadBucket"]);
    expect(journal("failing").map((r) => r.logicalId)).toEqual(["FirstBucket", "SecondBucket", "BadTable", "WorseTable"]);
  });

  it("makes the bucket a function's S3 event names before the function, wherever the template declares it", async () => {
    const path = template("events.yaml", [
      [
        "  UploadedFunction:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        `      CodeUri: ${join(LAMBDAS, "pre-sign-up")}`,
        "      Handler: index.handler",
        "      Runtime: nodejs22.x",
        "      Events:",
        "        Uploaded:",
        "          Type: S3",
        "          Properties:",
        "            Bucket: !Ref FirstBucket",
        "            Events: s3:ObjectCreated:*",
      ],
      bucket("FirstBucket"),
    ]);
    expect(await provisionTemplate(stack, { templatePath: path, stackName: "events" })).toEqual({ first: "events-firstbucket", region: stack.region });
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "events-firstbucket" }));
    expect(notification.LambdaFunctionConfigurations?.map((c) => c.LambdaFunctionArn)).toEqual([expect.stringMatching(/:function:events-uploaded$/)]);
  });

  it("refuses a template with a resource type it does not support before making anything", async () => {
    const path = template("queue.yaml", [bucket("FirstBucket"), ["  Jobs:", "    Type: AWS::SQS::Queue"]]);
    await expect(provisionTemplate(stack, { templatePath: path, stackName: "queue" })).rejects.toThrow("Jobs: AWS::SQS::Queue is not supported by rekognito's provisioner");
    expect(journal("queue")).toEqual([]);
  });
});
