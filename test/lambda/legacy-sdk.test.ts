import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, payloadOf, ROLE, zipOf } from "./helpers.js";

/**
 * The original AWS blog's Node.js triggers, unchanged: `require("aws-sdk")` (the AWS SDK for
 * JavaScript v2, from the npm registry, carried in the deployment package as `npm install`
 * puts it there), `new AWS.DynamoDB.DocumentClient()` and `new AWS.S3()` with no endpoint. SDK
 * v2 ignores AWS_ENDPOINT_URL and calls https://dynamodb.us-east-1.amazonaws.com/ and
 * https://<bucket>.s3.amazonaws.com/: the runner's environments send those connections to the
 * stack, and the stack verifies their signatures as signed (for AWS's host names).
 */

const require = createRequire(import.meta.url);
/** Where Node would find package `name` from the folder `from`: its node_modules, then its ancestors'. */
function root(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (from ${from})`);
  }
}
const SDK_V2 = (() => {
  try {
    return dirname(require.resolve("aws-sdk/package.json"));
  } catch {
    return "";
  }
})();
const missing = SDK_V2 ? "" : "the aws-sdk (v2) dev dependency is not installed (npm ci)";
if (missing) console.log(`[skip] legacy-sdk.test.ts: ${missing}`);

/** node_modules/<package> and its dependencies, as `npm install --omit=dev` lays them out (types, docs and browser builds left out). */
function packageFiles(): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const seen = new Set<string>();
  const add = (dir: string, as: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        const rel = relative(dir, path);
        if (entry.isDirectory()) {
          if (["dist", "dist-tools", "scripts", "test", "node_modules"].includes(entry.name) && d === dir) continue;
          walk(path);
        } else if (entry.isFile() && !/\.(d\.ts|md|map)$/.test(entry.name)) {
          out[`${as}/${rel}`] = readFileSync(path);
        }
      }
    };
    walk(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) add(root(dep, dir), `node_modules/${dep}`);
  };
  add(SDK_V2, "node_modules/aws-sdk");
  return out;
}

let stack: Stack;
let client: LambdaClient;
let zipWithSdk: (files: Record<string, string>) => Uint8Array;

beforeAll(async () => {
  stack = await startStack();
  client = lambdaClient(stack);
  if (missing) return;
  const sdk = packageFiles();
  // Stored, not deflated: it is large and this is a test, not an upload.
  zipWithSdk = (files) => zipSync({ ...Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])), ...sdk }, { level: 0 });
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

const DEFINE = `exports.handler = async (event) => {
  const session = event.request.session;
  if (session.length && session[session.length - 1].challengeResult) {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
  } else if (session.length >= 3) {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
  } else {
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
    event.response.challengeName = "CUSTOM_CHALLENGE";
  }
  return event;
};
`;

const CREATE = `const AWS = require("aws-sdk");
const ddb = new AWS.DynamoDB.DocumentClient();
const s3 = new AWS.S3();

exports.handler = async (event) => {
  const question = (await s3.getObject({ Bucket: process.env.BUCKET, Key: "question.txt" }).promise()).Body.toString();
  const answer = "sesame-" + event.request.session.length;
  await ddb.put({ TableName: process.env.TABLE, Item: { user: event.userName, answer } }).promise();
  event.response.publicChallengeParameters = { question };
  event.response.privateChallengeParameters = {};
  event.response.challengeMetadata = "SDK_V2";
  return event;
};
`;

const VERIFY = `const AWS = require("aws-sdk");
const ddb = new AWS.DynamoDB.DocumentClient();

exports.handler = async (event) => {
  const { Item } = await ddb.get({ TableName: process.env.TABLE, Key: { user: event.userName } }).promise();
  event.response.answerCorrect = !!Item && Item.answer === event.request.challengeAnswer;
  return event;
};
`;

describe.skipIf(!!missing)("the AWS SDK for JavaScript v2 inside functions", () => {
  it("runs the blog's custom-auth triggers unchanged: DocumentClient and S3 with no endpoint reach the stack", async () => {
    const config = { endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
    const ddb = new DynamoDBClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const cognito = new CognitoIdentityProviderClient(config);
    try {
      await ddb.send(
        new CreateTableCommand({ TableName: "v2-answers", KeySchema: [{ AttributeName: "user", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "user", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: "v2-questions" }));
      await s3.send(new PutObjectCommand({ Bucket: "v2-questions", Key: "question.txt", Body: "open what?" }));
      // The templates' deny-insecure-transport rule: SDK v2 asked for https, and its bytes never left the machine.
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: "v2-questions",
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::v2-questions", "arn:aws:s3:::v2-questions/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
          }),
        }),
      );
      const environment = { Variables: { TABLE: "v2-answers", BUCKET: "v2-questions" } };
      // One package for the three triggers (as the blog's single SAM CodeUri), each its own handler file.
      const zip = zipWithSdk({ "define.js": DEFINE, "create.js": CREATE, "verify.js": VERIFY });
      const arns: Record<string, string> = {};
      for (const name of ["define", "create", "verify"]) {
        const fn = await client.send(
          new CreateFunctionCommand({ FunctionName: `v2-${name}`, Runtime: "nodejs20.x", Role: ROLE, Handler: `${name}.handler`, Timeout: 5, Environment: environment, Code: { ZipFile: zip } }),
        );
        arns[name] = fn.FunctionArn!;
      }
      const pool = await cognito.send(
        new CreateUserPoolCommand({ PoolName: "v2", LambdaConfig: { DefineAuthChallenge: arns.define, CreateAuthChallenge: arns.create, VerifyAuthChallengeResponse: arns.verify } }),
      );
      const poolId = pool.UserPool!.Id!;
      const appClient = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "v2", ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
      const clientId = appClient.UserPoolClient!.ClientId!;
      await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "ana", MessageAction: "SUPPRESS" }));

      const started = await cognito.send(new InitiateAuthCommand({ AuthFlow: "CUSTOM_AUTH", ClientId: clientId, AuthParameters: { USERNAME: "ana" } }));
      expect(started.ChallengeName).toBe("CUSTOM_CHALLENGE");
      expect(started.ChallengeParameters).toMatchObject({ question: "open what?" });
      const wrong = await cognito.send(
        new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "CUSTOM_CHALLENGE", Session: started.Session, ChallengeResponses: { USERNAME: "ana", ANSWER: "no idea" } }),
      );
      expect(wrong.AuthenticationResult).toBeUndefined();
      const right = await cognito.send(
        new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "CUSTOM_CHALLENGE", Session: wrong.Session, ChallengeResponses: { USERNAME: "ana", ANSWER: "sesame-1" } }),
      );
      expect(right.AuthenticationResult?.IdToken).toBeDefined();
    } finally {
      ddb.destroy();
      s3.destroy();
      cognito.destroy();
    }
  });

  it("fails a function that requires aws-sdk without carrying it as AWS's Node.js 18+ runtimes do", async () => {
    await client.send(
      new CreateFunctionCommand({ FunctionName: "v2-unbundled", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipOf({ "index.js": CREATE }) } }),
    );
    const out = await client.send(new InvokeCommand({ FunctionName: "v2-unbundled", Payload: "{}" }));
    expect(out.FunctionError).toBe("Unhandled");
    const payload = payloadOf(out) as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe("Runtime.ImportModuleError");
    expect(payload.errorMessage).toMatch(/^Error: Cannot find module 'aws-sdk'\nRequire stack:\n- \S+\/index\.js/);
  });
});
