import { AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateCollectionCommand, IndexFacesCommand, ListCollectionsCommand, ListFacesCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { strToU8, zipSync } from "fflate";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../server/core/logger.js";
import { filePersistence, type Journal, type Persistence } from "../../server/core/persistence.js";
import { fixtureImages, readFixture } from "../../server/faces/fixtures.js";
import { startStack, type Stack } from "../../server/stack.js";
import { sdkConfig } from "../support/clients.js";

// A full disk: every journal append throws ENOSPC. AWS never acknowledges a write it did not
// keep, so neither may rekognito: the request fails with a 500, nothing of it is visible
// afterwards (memory did not move ahead of the disk), and the same write succeeds once there
// is room again, and after a restart only what was acknowledged is there.
const dataDir = mkdtempSync(join(tmpdir(), "rekognito-full-disk-"));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The data directory, on a disk that can be filled up. */
function fillableDisk(dir: string): Persistence & { full: boolean } {
  const inner = filePersistence(dir);
  const disk = {
    full: false,
    dataDir: inner.dataDir,
    directory: (name: string) => inner.directory(name),
    journal<T>(name: string): Journal<T> {
      const journal = inner.journal<T>(name);
      return {
        load: () => journal.load(),
        rewrite: (records) => journal.rewrite(records),
        append: (record) => {
          if (disk.full) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
          journal.append(record);
        },
      };
    },
  };
  return disk;
}

function clients(endpoint: string) {
  // One attempt: the SDK would retry a 500, and each retry would fail the same way.
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

async function refused(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("the write was acknowledged on a full disk");
}

const document = readFixture(fixtureImages({ persona: "ana", kind: "document" })[0]!);
const FUNCTION = { FunctionName: "kept", Runtime: "nodejs20.x" as const, Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => 1;") }) } };
const MAIL = { FromEmailAddress: "app@example.com", Destination: { ToAddresses: ["full@example.com"] }, Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } } } };
const mailbox = async () => (await (await fetch(`${stack!.endpoint}/_rekognito/mailbox?address=full@example.com`)).json()) as unknown[];

describe("a full disk", () => {
  it("fails each write with a 500 and acknowledges nothing; the retry succeeds; a restart holds exactly the acknowledged writes", async () => {
    const disk = fillableDisk(dataDir);
    stack = await startStack({ persistence: disk, logger: silentLogger });
    const c = clients(stack.endpoint);
    const poolId = (await c.cognito.send(new CreateUserPoolCommand({ PoolName: "full" }))).UserPool!.Id!;
    const clientId = (await c.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web" }))).UserPoolClient!.ClientId!;
    await c.rekognition.send(new CreateCollectionCommand({ CollectionId: "faces" }));
    await c.s3.send(new CreateBucketCommand({ Bucket: "full-bucket" }));
    await c.dynamodb.send(new CreateTableCommand({ TableName: "full-table", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));

    const writes = [
      { what: "CreateCollection", error: "InternalFailure", run: () => c.rekognition.send(new CreateCollectionCommand({ CollectionId: "other" })) },
      { what: "IndexFaces", error: "InternalFailure", run: () => c.rekognition.send(new IndexFacesCommand({ CollectionId: "faces", Image: { Bytes: document } })) },
      { what: "SignUp", error: "InternalFailure", run: () => c.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "kay", Password: "Passw0rd!x" })) },
      { what: "SendEmail", error: "InternalFailure", run: () => c.ses.send(new SendEmailCommand(MAIL)) },
      { what: "CreateBucket", error: "InternalError", run: () => c.s3.send(new CreateBucketCommand({ Bucket: "other-bucket" })) },
      { what: "PutObject", error: "InternalError", run: () => c.s3.send(new PutObjectCommand({ Bucket: "full-bucket", Key: "k", Body: "bytes" })) },
      { what: "CreateFunction", error: "ServiceException", run: () => c.lambda.send(new CreateFunctionCommand(FUNCTION)) },
      { what: "UpdateTimeToLive", error: "InternalFailure", run: () => c.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: "full-table", TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } })) },
    ];
    const nothingVisible = async () => {
      expect((await c.rekognition.send(new ListCollectionsCommand({}))).CollectionIds).toEqual(["faces"]);
      expect((await c.rekognition.send(new ListFacesCommand({ CollectionId: "faces" }))).Faces).toEqual([]);
      expect((await refused(c.cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "kay" })))).name).toBe("UserNotFoundException");
      expect(await mailbox()).toEqual([]);
      expect((await refused(c.s3.send(new HeadBucketCommand({ Bucket: "other-bucket" })))).status).toBe(404);
      expect((await refused(c.s3.send(new HeadObjectCommand({ Bucket: "full-bucket", Key: "k" })))).status).toBe(404);
      expect((await refused(c.lambda.send(new GetFunctionCommand({ FunctionName: "kept" })))).name).toBe("ResourceNotFoundException");
      expect((await c.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: "full-table" }))).TimeToLiveDescription!.TimeToLiveStatus).toBe("DISABLED");
    };

    disk.full = true;
    for (const w of writes) expect(await refused(w.run()), w.what).toEqual({ name: w.error, status: 500 });
    disk.full = false;
    await nothingVisible();

    // Room again: each write succeeds, as a first attempt would (no "already exists").
    for (const w of writes) await w.run();
    await stack.close();

    stack = await startStack({ persistence: fillableDisk(dataDir), logger: silentLogger });
    const r = clients(stack.endpoint);
    expect((await r.rekognition.send(new ListCollectionsCommand({}))).CollectionIds!.sort()).toEqual(["faces", "other"]);
    expect((await r.rekognition.send(new ListFacesCommand({ CollectionId: "faces" }))).Faces).toHaveLength(1);
    expect((await r.cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "kay" }))).Username).toBe("kay");
    expect(await mailbox()).toHaveLength(1);
    await r.s3.send(new HeadBucketCommand({ Bucket: "other-bucket" }));
    await r.s3.send(new HeadObjectCommand({ Bucket: "full-bucket", Key: "k" }));
    expect((await r.lambda.send(new GetFunctionCommand({ FunctionName: "kept" }))).Configuration!.FunctionName).toBe("kept");
    expect((await r.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: "full-table" }))).TimeToLiveDescription!.TimeToLiveStatus).toBe("ENABLED");
  });
});
