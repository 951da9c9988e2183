import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureImage } from "../../server/faces/fixtures.js";
import { runId, testTarget, type TestTarget } from "../support/target.js";

// The stack runs in this process: the clients run asynchronously, or they would block the server.
const run = promisify(execFile);

// Independent clients judge the wire: boto3 (Python) and the AWS CLI, configured only by the
// standard environment variables, as a user's scripts would be.
const boto3Missing = spawnSync("python3", ["-c", "import boto3"], { encoding: "utf8" }).status !== 0;
if (boto3Missing) console.log("[skip] boto3 client: python3 cannot import boto3");
const cliMissing = spawnSync("aws", ["--version"], { encoding: "utf8" }).status !== 0;
if (cliMissing) console.log("[skip] AWS CLI: `aws` is not on the PATH");

let target: TestTarget;
beforeAll(async () => {
  target = await testTarget();
});
afterAll(() => target?.close());

const env = () => ({
  PATH: process.env.PATH!,
  HOME: process.env.HOME ?? "/tmp",
  AWS_ENDPOINT_URL: target.endpoint,
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
});

describe.skipIf(boto3Missing)("boto3", () => {
  it("indexes and finds faces, stores objects and items, deploys triggers and signs in by CUSTOM_AUTH", async () => {
    const args = [
      fixtureImage({ persona: "ana", kind: "document" }).path,
      fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-1.jpg" }).path,
      fixtureImage({ persona: "bruno", kind: "selfie", file: "selfie-1.jpg" }).path,
      runId,
    ];
    const { stdout } = await run("python3", [new URL("./boto3_flow.py", import.meta.url).pathname, ...args], { env: env(), timeout: 60_000 });
    const out = JSON.parse(stdout);
    expect(out).toEqual({
      indexed: 1,
      match: ["ana"],
      stranger: 0,
      missing_collection: "ResourceNotFoundException",
      bad_image: "InvalidImageFormatException",
      s3_roundtrip: true,
      s3_missing: "NoSuchKey",
      ddb_item: "f1",
      invoke: { q: "open?" },
      challenge: "open?",
      tokens: ["AccessToken", "IdToken", "RefreshToken"],
      reused_session: "NotAuthorizedException",
    });
  });
});

describe.skipIf(cliMissing)("the AWS CLI", () => {
  it("lists collections, buckets and functions, and answers AWS's error for a missing collection", async () => {
    const aws = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run("aws", [...args, "--output", "json"], { env: env(), timeout: 60_000 });
        return { ok: true, stdout, stderr };
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        return { ok: false, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
      }
    };
    expect((await aws("rekognition", "create-collection", "--collection-id", `cli-${runId}`)).ok).toBe(true);
    expect(JSON.parse((await aws("rekognition", "list-collections")).stdout).CollectionIds).toContain(`cli-${runId}`);
    expect((await aws("s3api", "create-bucket", "--bucket", `cli-${runId}`)).ok).toBe(true);
    expect((await aws("s3", "ls")).stdout).toContain(`cli-${runId}`);
    expect(Array.isArray(JSON.parse((await aws("lambda", "list-functions")).stdout).Functions)).toBe(true);
    const missing = await aws("rekognition", "describe-collection", "--collection-id", `none-${runId}`);
    expect(missing.ok).toBe(false);
    expect(missing.stderr).toContain("ResourceNotFoundException");
  });
});

