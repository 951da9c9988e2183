import { CognitoIdentityProviderClient, AdminGetUserCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateCollectionCommand, IndexFacesCommand, ListFacesCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { strToU8, zipSync } from "fflate";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import { filePersistence } from "../../server/core/persistence.js";
import { fixtureImages, readFixture } from "../../server/faces/fixtures.js";
import { provisionTemplate } from "../../server/provisioning/provision.js";
import { startStack, type Stack } from "../../server/stack.js";
import { sdkConfig } from "../support/clients.js";

// Every journal of the stack gets a torn tail (a half-written last line, as a kill mid-append or
// a full disk leaves it); then one acknowledged write per service must survive the next restart.
const dataDir = mkdtempSync(join(tmpdir(), "rekognito-torn-"));
const templateDir = mkdtempSync(join(tmpdir(), "rekognito-torn-template-"));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(templateDir, { recursive: true, force: true });
});

function clients(endpoint: string) {
  const config = sdkConfig(endpoint, { maxAttempts: 1 });
  return {
    rekognition: new RekognitionClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    lambda: new LambdaClient(config),
    dynamodb: new DynamoDBClient(config),
    ses: new SESv2Client(config),
  };
}

/** A one-resource (then two-resource) template: what the stack-<name> journal records. */
function template(buckets: string[]): string {
  const path = join(templateDir, `template-${buckets.length}.yaml`);
  const resources = buckets.map((b) => `  ${b}:\n    Type: AWS::S3::Bucket\n`).join("");
  writeFileSync(path, `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${resources}`);
  return path;
}

const document = (persona: string) => readFixture(fixtureImages({ persona, kind: "document" })[0]!);
const zip = (text: string) => zipSync({ "index.js": strToU8(text) });
const FUNCTION = { Runtime: "nodejs20.x" as const, Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler" };
const mailbox = async (endpoint: string) => (await (await fetch(`${endpoint}/_rekognito/mailbox`)).json()) as { to: string; subject: string }[];
/** Half a record, cut inside a two-byte character. */
const TORN = Buffer.concat([Buffer.from('{"t":"faces","a":"000000000000","r":"us-east-1","id":"visages-'), Buffer.from("é").subarray(0, 1)]);

describe("journals with a torn tail", () => {
  it("cut the torn line at start, and the next acknowledged write of every service survives the restart", async () => {
    const start = async (logger = new MemoryLogger()) => {
      stack = await startStack({ dataDir, ephemeral: false, logger });
      return { c: clients(stack.endpoint), logger };
    };

    // 1. State in every journal.
    let { c } = await start();
    await c.rekognition.send(new CreateCollectionCommand({ CollectionId: "visages" }));
    const face1 = (await c.rekognition.send(new IndexFacesCommand({ CollectionId: "visages", Image: { Bytes: document("ana") }, ExternalImageId: "ana" }))).FaceRecords![0]!.Face!.FaceId!;
    const poolId = (await c.cognito.send(new CreateUserPoolCommand({ PoolName: "torn", AutoVerifiedAttributes: ["email"] }))).UserPool!.Id!;
    const clientId = (await c.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web" }))).UserPoolClient!.ClientId!;
    await c.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "first", Password: "Passw0rd!x", UserAttributes: [{ Name: "email", Value: "first@example.com" }] }));
    await c.ses.send(new SendEmailCommand({ FromEmailAddress: "app@example.com", Destination: { ToAddresses: ["one@example.com"] }, Content: { Simple: { Subject: { Data: "one" }, Body: { Text: { Data: "1" } } } } }));
    await c.s3.send(new CreateBucketCommand({ Bucket: "torn-bucket" }));
    await c.s3.send(new PutObjectCommand({ Bucket: "torn-bucket", Key: "one", Body: "1" }));
    await c.lambda.send(new CreateFunctionCommand({ ...FUNCTION, FunctionName: "one", Code: { ZipFile: zip("exports.handler = async () => 1;") } }));
    for (const TableName of ["table-one", "table-two"]) {
      await c.dynamodb.send(new CreateTableCommand({ TableName, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
    }
    await c.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: "table-one", TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } }));
    await provisionTemplate(stack!, { templatePath: template(["First"]), stackName: "torn" });
    await stack!.close();

    // 2. Tear every journal: a fragment without its newline (one that even splits a character).
    const journals = readdirSync(dataDir).filter((f) => f.endsWith(".jsonl")).sort();
    expect(journals).toEqual(
      expect.arrayContaining(["cognito-mailbox.jsonl", "cognito.jsonl", "dynamodb-ttl.jsonl", "lambda-functions.jsonl", "rekognition.jsonl", "s3.jsonl", "stack-torn.jsonl"]),
    );
    for (const name of journals) appendFileSync(join(dataDir, name), TORN);

    // 3. Restart; one acknowledged write per service.
    let logger: MemoryLogger;
    ({ c, logger } = await start());
    const face2 = (await c.rekognition.send(new IndexFacesCommand({ CollectionId: "visages", Image: { Bytes: document("bruno") }, ExternalImageId: "bruno" }))).FaceRecords![0]!.Face!.FaceId!;
    await c.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "second", Password: "Passw0rd!x", UserAttributes: [{ Name: "email", Value: "second@example.com" }] }));
    await c.ses.send(new SendEmailCommand({ FromEmailAddress: "app@example.com", Destination: { ToAddresses: ["two@example.com"] }, Content: { Simple: { Subject: { Data: "two" }, Body: { Text: { Data: "2" } } } } }));
    await c.s3.send(new PutObjectCommand({ Bucket: "torn-bucket", Key: "two", Body: "2" }));
    await c.lambda.send(new CreateFunctionCommand({ ...FUNCTION, FunctionName: "two", Code: { ZipFile: zip("exports.handler = async () => 2;") } }));
    await c.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: "table-two", TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } }));
    await provisionTemplate(stack!, { templatePath: template(["First", "Second"]), stackName: "torn" });
    await stack!.close();
    // Each journal was read (the stack's own when provisioning) and its torn line cut and kept.
    for (const name of journals) {
      expect(logger.lines.join("\n"), name).toContain(`journal ${name}: cut a torn last line`);
      expect(readFileSync(join(dataDir, `${name}.torn-1`)).equals(TORN), name).toBe(true);
    }

    // 4. Restart again: every write of both lives is there.
    ({ c } = await start());
    const faces = (await c.rekognition.send(new ListFacesCommand({ CollectionId: "visages" }))).Faces!.map((f) => f.FaceId);
    expect(faces.sort()).toEqual([face1, face2].sort());
    for (const Username of ["first", "second"]) {
      expect((await c.cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username }))).Username).toBe(Username);
    }
    const mail = (await mailbox(stack!.endpoint)).map((m) => m.to);
    expect(mail).toEqual(expect.arrayContaining(["first@example.com", "one@example.com", "second@example.com", "two@example.com"]));
    for (const Key of ["one", "two"]) {
      expect(await (await c.s3.send(new GetObjectCommand({ Bucket: "torn-bucket", Key }))).Body!.transformToString()).toBe(Key === "one" ? "1" : "2");
    }
    for (const FunctionName of ["one", "two"]) {
      expect((await c.lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration!.FunctionName).toBe(FunctionName);
    }
    for (const TableName of ["table-one", "table-two"]) {
      expect((await c.dynamodb.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription!.TimeToLiveStatus).toBe("ENABLED");
    }
    await stack!.close();
    stack = undefined;
    const provisioned = filePersistence(dataDir).journal<{ logicalId: string }>("stack-torn").load().map((r) => r.logicalId);
    expect(provisioned).toEqual(expect.arrayContaining(["First", "Second"]));
    expect(existsSync(join(dataDir, "rekognition.jsonl.torn-2"))).toBe(false);
  });
});
