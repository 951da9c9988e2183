import { spawnSync } from "node:child_process";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, type CreateFunctionCommandInput } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, payloadOf, ROLE, zipWithModes } from "./helpers.js";

/**
 * Python and OS-only (provided.al2023) functions, through the Lambda Runtime API: a Python
 * handler with boto3 as AWS's Python runtime runs it (event, context, print and logging, AWS's
 * error documents and init errors), boto3 that ignores AWS_ENDPOINT_URL still reaching the
 * stack, and a shell-script `bootstrap` speaking the Runtime API with curl.
 */

const python = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
const noPython = python.status !== 0 ? "python3 is not installed (apt-get install python3 python3-boto3)" : "";
const boto3 = noPython ? { status: 1 } : spawnSync("python3", ["-c", "import boto3"], { encoding: "utf8" });
const noBoto3 = noPython || (boto3.status !== 0 ? "boto3 is not installed for python3 (apt-get install python3-boto3)" : "");
const curl = spawnSync("curl", ["--version"], { encoding: "utf8" });
const noCurl = curl.status !== 0 ? "curl is not installed (the shell bootstrap uses it)" : "";
for (const reason of new Set([noPython, noBoto3, noCurl].filter(Boolean))) console.log(`[skip] ${reason}`);

const logger = new MemoryLogger();
let stack: Stack;
let client: LambdaClient;

beforeAll(async () => {
  stack = await startStack({ logger });
  client = lambdaClient(stack);
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

const zipWith = zipWithModes;

async function create(name: string, runtime: string, handler: string, files: Record<string, string | { text: string; mode: number }>, extra: Partial<CreateFunctionCommandInput> = {}) {
  return client.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as never, Role: ROLE, Handler: handler, Code: { ZipFile: zipWith(files) }, ...extra }),
  );
}

async function invoke(name: string, event: unknown = {}) {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(event), LogType: "Tail" }));
  return { out, payload: payloadOf(out) as any, log: Buffer.from(out.LogResult ?? "", "base64").toString("utf8") };
}

const PYTHON_APP = `import json
import logging
import os
import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
s3 = boto3.client("s3")
loaded = {"count": 0}

class Refused(Exception):
    pass

def handler(event, context):
    loaded["count"] += 1
    print("event", json.dumps(event, sort_keys=True))
    logger.info("request %s", context.aws_request_id)
    if event.get("fail"):
        raise Refused("no thanks")
    if event.get("buckets"):
        return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    return {
        "calls": loaded["count"],
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "aws_request_id": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "region": os.environ.get("AWS_REGION"),
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
        "endpoint_client": s3.meta.endpoint_url,
    }
`;

describe.skipIf(!!noBoto3)("Python functions", () => {
  it("runs a handler with boto3 as AWS's Python runtime does: event, context, print and logging, AWS's error document", async () => {
    const s3 = new S3Client({ endpoint: stack.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await s3.send(new CreateBucketCommand({ Bucket: "seen-from-python" }));
    s3.destroy();
    await create("py-app", "python3.12", "src/app.handler", { "src/app.py": PYTHON_APP, "src/__init__.py": "" }, { Timeout: 7, MemorySize: 256 });

    const first = await invoke("py-app", { hello: "world" });
    expect(first.out.FunctionError).toBeUndefined();
    expect(first.payload).toMatchObject({
      calls: 1,
      function_name: "py-app",
      function_version: "$LATEST",
      invoked_function_arn: "arn:aws:lambda:us-east-1:000000000000:function:py-app",
      memory_limit_in_mb: "256",
      log_group_name: "/aws/lambda/py-app",
      region: "us-east-1",
      execution_env: "AWS_Lambda_python3.12",
      endpoint_client: stack.endpoint,
    });
    expect(first.payload.aws_request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.payload.log_stream_name).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(first.payload.remaining).toBeGreaterThan(5000);
    expect(first.payload.remaining).toBeLessThanOrEqual(7000);
    expect(first.payload.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
    // print() as it is, logging as AWS's runtime formats it; the init once, reported with the first call.
    const id = first.payload.aws_request_id;
    expect(first.log).toContain(`\nevent {"hello": "world"}\n`);
    expect(first.log).toMatch(new RegExp(`\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\trequest ${id}\\n`));
    expect(first.log).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
    expect(logger.lines).toContain(`[py-app ${id}] event {"hello": "world"}`);

    // Warm: module state kept, no Init Duration this time.
    const second = await invoke("py-app");
    expect(second.payload.calls).toBe(2);
    expect(second.log).not.toContain("Init Duration");

    // boto3 from the machine, pointed at the stack by AWS_ENDPOINT_URL.
    expect((await invoke("py-app", { buckets: true })).payload).toContain("seen-from-python");

    const failed = await invoke("py-app", { fail: true });
    expect(failed.out.FunctionError).toBe("Unhandled");
    expect(failed.payload).toMatchObject({ errorMessage: "no thanks", errorType: "Refused", requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(failed.payload.stackTrace.join("")).toMatch(/File ".*src\/app\.py", line \d+, in handler/);
    expect(failed.log).toContain("[ERROR] Refused: no thanks\rTraceback (most recent call last):\r");
    // An error is the invocation's, not the environment's: it stays warm.
    expect((await invoke("py-app")).payload.calls).toBe(5);
  });

  it("words import and handler errors as AWS's Python runtime does", async () => {
    await create("py-no-module", "python3.13", "nothere.handler", { "app.py": "def handler(e, c):\n    return 1\n" });
    const missing = await invoke("py-no-module");
    expect(missing.out.FunctionError).toBe("Unhandled");
    expect(missing.payload).toEqual({
      errorMessage: "Unable to import module 'nothere': No module named 'nothere'",
      errorType: "Runtime.ImportModuleError",
      requestId: "",
      stackTrace: [],
    });

    await create("py-no-handler", "python3.11", "app.main", { "app.py": "def handler(e, c):\n    return 1\n" });
    expect((await invoke("py-no-handler")).payload).toMatchObject({ errorMessage: "Handler 'main' missing on module 'app'", errorType: "Runtime.HandlerNotFound" });

    await create("py-syntax", "python3.12", "app.handler", { "app.py": "def handler(e, c)\n    return 1\n" });
    const syntax = (await invoke("py-syntax")).payload;
    expect(syntax.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect(syntax.errorMessage).toMatch(/^Syntax error in module 'app': /);

    // A dependency the package does not carry, as AWS says it.
    await create("py-no-dep", "python3.12", "app.handler", { "app.py": "import requests_that_are_not_there\ndef handler(e, c):\n    return 1\n" });
    expect((await invoke("py-no-dep")).payload.errorMessage).toBe("Unable to import module 'app': No module named 'requests_that_are_not_there'");
  });

  it("sends boto3 clients that ignore AWS_ENDPOINT_URL to the stack, not to AWS", async () => {
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS makes this boto3 behave as one from before 1.28 did:
    // its clients would call https://s3.amazonaws.com and https://dynamodb.us-east-1.amazonaws.com.
    await create(
      "py-old-boto3",
      "python3.12",
      "app.handler",
      {
        "app.py": `import boto3
def handler(event, context):
    s3 = boto3.client("s3")
    dynamodb = boto3.resource("dynamodb")
    s3.put_object(Bucket="old-boto3", Key="hello.txt", Body=b"from python")
    table = dynamodb.Table("old-boto3")
    table.put_item(Item={"pk": "a", "n": 7})
    return {
        "s3": s3.meta.endpoint_url,
        "body": s3.get_object(Bucket="old-boto3", Key="hello.txt")["Body"].read().decode(),
        "item": table.get_item(Key={"pk": "a"})["Item"],
    }
`,
      },
      { Environment: { Variables: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" } } },
    );
    const s3 = new S3Client({ endpoint: stack.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await s3.send(new CreateBucketCommand({ Bucket: "old-boto3" }));
    await s3.send(new PutObjectCommand({ Bucket: "old-boto3", Key: "seed", Body: "x" }));
    s3.destroy();
    const { DynamoDBClient, CreateTableCommand } = await import("@aws-sdk/client-dynamodb");
    const ddb = new DynamoDBClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await ddb.send(
      new CreateTableCommand({ TableName: "old-boto3", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }),
    );
    ddb.destroy();
    const { out, payload } = await invoke("py-old-boto3");
    expect(out.FunctionError, JSON.stringify(payload)).toBeUndefined();
    expect(payload).toEqual({ s3: stack.endpoint, body: "from python", item: { pk: "a", n: 7 } });
  });
});

describe("Python without python3", () => {
  it("refuses a Python function plainly, saying what to install", async () => {
    const bare = await startStack({ lambda: { python: "/nonexistent/python3" } });
    const to = lambdaClient(bare);
    try {
      const refused = await to
        .send(new CreateFunctionCommand({ FunctionName: "py", Runtime: "python3.12", Role: ROLE, Handler: "app.handler", Code: { ZipFile: zipWith({ "app.py": "" }) } }))
        .catch((e) => e);
      expect(refused.name).toBe("InvalidParameterValueException");
      expect(refused.message).toBe(
        "rekognito runs python3.12 functions on this machine's python3 and found none (/nonexistent/python3; set REKOGNITO_PYTHON to use another): " +
          "install Python 3 and boto3 (Debian/Ubuntu: apt-get install python3 python3-boto3; elsewhere: python3 -m pip install boto3).",
      );
    } finally {
      to.destroy();
      await bare.close();
    }
  });
});

const CURL_BOOTSTRAP = `#!/bin/bash
# A custom runtime as AWS's tutorial writes one: the Runtime API with curl.
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "init: handler \${_HANDLER} in \${LAMBDA_TASK_ROOT}"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  header() { grep -i "^$1:" "$HEADERS" | cut -d' ' -f2- | tr -d '\\r\\n'; }
  ID="$(header Lambda-Runtime-Aws-Request-Id)"
  echo "event $EVENT"
  if [[ "$EVENT" == *fail* ]]; then
    curl -sS -X POST "$API/invocation/$ID/error" -H "Lambda-Runtime-Function-Error-Type: Custom.Refused" \\
      -d '{"errorMessage":"refused by the shell","errorType":"Custom.Refused","stackTrace":[]}' >/dev/null
  else
    BODY="{\\"event\\":$EVENT,\\"arn\\":\\"$(header Lambda-Runtime-Invoked-Function-Arn)\\",\\"deadline\\":\\"$(header Lambda-Runtime-Deadline-Ms)\\",\\"trace\\":\\"$(header Lambda-Runtime-Trace-Id)\\",\\"version\\":\\"$AWS_LAMBDA_FUNCTION_VERSION\\"}"
    curl -sS -X POST "$API/invocation/$ID/response" -d "$BODY" >/dev/null
  fi
  rm -f "$HEADERS"
done
`;

describe.skipIf(!!noCurl)("OS-only runtimes (provided.al2023, provided.al2)", () => {
  it("runs the package's bootstrap, which speaks the Runtime API, as AWS does", async () => {
    await create("shell", "provided.al2023", "function.handler", { bootstrap: { text: CURL_BOOTSTRAP, mode: 0o755 } });
    const before = Date.now();
    const ok = await invoke("shell", { n: 1 });
    expect(ok.out.FunctionError).toBeUndefined();
    expect(ok.payload).toMatchObject({ event: { n: 1 }, arn: "arn:aws:lambda:us-east-1:000000000000:function:shell", version: "$LATEST" });
    expect(ok.payload.trace).toMatch(/^Root=1-/);
    // The deadline: the function's 3 s from the call.
    expect(Number(ok.payload.deadline)).toBeGreaterThan(before);
    expect(Number(ok.payload.deadline)).toBeLessThanOrEqual(Date.now() + 3000);
    // What the init printed goes to the function's log (the server's), before the first START.
    expect(logger.lines.some((l) => l.startsWith("[shell] init: handler function.handler in "))).toBe(true);
    expect(ok.log).toContain('event {"n":1}');
    expect(ok.log).toContain("Init Duration:");

    const failed = await invoke("shell", { fail: true });
    expect(failed.out.FunctionError).toBe("Unhandled");
    expect(failed.payload).toEqual({ errorMessage: "refused by the shell", errorType: "Custom.Refused", stackTrace: [] });
    expect((await invoke("shell", { n: 2 })).payload.event).toEqual({ n: 2 });
  });

  it("reports a package without an executable bootstrap as Runtime.InvalidEntrypoint", async () => {
    await create("no-bootstrap", "provided.al2", "x", { "main.sh": "echo hi\n" });
    const missing = await invoke("no-bootstrap");
    expect(missing.out.FunctionError).toBe("Unhandled");
    expect(missing.payload.errorType).toBe("Runtime.InvalidEntrypoint");
    expect(missing.payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Couldn't find valid bootstrap\(s\): \[\S+\/bootstrap\]$/);

    await create("not-executable", "provided.al2023", "x", { bootstrap: { text: CURL_BOOTSTRAP, mode: 0o644 } });
    const denied = await invoke("not-executable");
    expect(denied.payload.errorType).toBe("Runtime.InvalidEntrypoint");
    expect(denied.payload.errorMessage).toMatch(/Error: fork\/exec \S+\/bootstrap: permission denied$/);
  });

  it("ends a bootstrap that exits before asking for an event as Runtime.ExitError", async () => {
    await create("exits", "provided.al2023", "x", { bootstrap: { text: "#!/bin/sh\necho leaving\nexit 3\n", mode: 0o755 } });
    const exited = await invoke("exits");
    expect(exited.payload).toMatchObject({ errorType: "Runtime.ExitError" });
    expect(exited.payload.errorMessage).toMatch(/Runtime exited with error: exit status 3$/);
    expect(logger.lines).toContain("[exits] leaving");
  });
});
