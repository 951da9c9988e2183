import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, payloadOf, ROLE, zipOf } from "./helpers.js";

/**
 * A Node.js environment keeps V8's compiled code of what it loads (its handler, the AWS SDK's
 * files) in the runner's cache directory, so that the next cold start reads it instead of
 * compiling again: Node 22 and later through their module compile cache, which Node writes only at
 * exit (an environment reclaimed with SIGKILL never reaches it); Node 20, which has none for
 * modules, through the runtime's own for CommonJS files of node_modules (the SDK's). Either way
 * the runtime writes it when its first invocation has its answer.
 */

let stack: Stack;
let client: LambdaClient;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "rekognito-compile-cache-"));
  stack = await startStack({ lambda: { compileCacheDir: cacheDir } });
  client = lambdaClient(stack);
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** The cache's files (Node keeps them in a folder named after its version), with their sizes and times. */
function cached(): Map<string, { size: number; mtimeMs: number }> {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(path, { size: statSync(path).size, mtimeMs: statSync(path).mtimeMs });
    }
  };
  walk(cacheDir);
  return files;
}

describe("V8's compiled code of Lambda environments", () => {
  it("is written by a function's first invocation, before the environment is ever stopped, and a later cold start runs from it alike", async () => {
    expect(cached().size).toBe(0);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "cached-sdk",
        Runtime: "nodejs22.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: {
          ZipFile: zipOf({
            "index.mjs": [
              'import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";',
              "const s3 = new S3Client({});",
              "export const handler = async () => ({ buckets: ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).length });",
              "",
            ].join("\n"),
          }),
        },
      }),
    );
    const first = payloadOf(await client.send(new InvokeCommand({ FunctionName: "cached-sdk" })));
    expect(first).toEqual({ buckets: 0 });
    // Written by the environment, still running, before its first answer.
    const files = cached();
    expect(files.size).toBeGreaterThan(0);
    // The SDK's files are most of what the environment compiled: far more than the handler's few lines.
    expect([...files.values()].reduce((sum, { size }) => sum + size, 0)).toBeGreaterThan(100_000);

    // A configuration change starts a new environment: it loads from the cache and answers the same,
    // and V8 took what it found (a cache refused is written again: the files would change).
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "cached-sdk", Description: "again" }));
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: "cached-sdk" })))).toEqual({ buckets: 0 });
    expect(cached()).toEqual(files);
  });
});
