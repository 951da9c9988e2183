import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, type CreateFunctionCommandInput } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, payloadOf, ROLE, zipOf } from "./helpers.js";

/**
 * TypeScript handlers, compiled by the runner with esbuild (no TypeScript loader in the
 * environment), behave as they ran under a loader: ES module or CommonJS by package.json,
 * import.meta.url, __dirname and require() of the source's folder, extension-less imports, stack
 * traces naming the .ts file and line, and AWS's errors for a syntax error or a missing package.
 */

let stack: Stack;
let client: LambdaClient;
let scratch: string;

beforeAll(async () => {
  stack = await startStack();
  client = lambdaClient(stack);
  scratch = mkdtempSync(join(tmpdir(), "rekognito-ts-"));
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function create(name: string, files: Record<string, string>, extra: Partial<CreateFunctionCommandInput> = {}) {
  return client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: ROLE, Handler: "src/app.handler", Code: { ZipFile: zipOf(files) }, ...extra }));
}

async function invoke(name: string, event: unknown = {}) {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(event) }));
  return { out, payload: payloadOf(out) as any };
}

describe("TypeScript handlers", () => {
  it("runs an ES module handler with its own import.meta.url, sibling files and extension-less imports; traces name the .ts lines", async () => {
    const dir = mkdtempSync(join(scratch, "esm-"));
    const files: Record<string, string> = {
      "package.json": JSON.stringify({ type: "module" }),
      "src/data.json": JSON.stringify({ greeting: "hello" }),
      "src/words.ts": "export const shout = (s: string): string => s.toUpperCase();\n",
      "src/app.ts": [
        'import { readFileSync } from "node:fs";',
        'import { shout } from "./words";',
        "interface Event { fail?: boolean; name?: string }",
        "const data = JSON.parse(readFileSync(new URL(\"./data.json\", import.meta.url), \"utf8\")) as { greeting: string };",
        "export const handler = async (event: Event) => {",
        "  if (event.fail) {",
        '    throw new Error("failed on purpose");',
        "  }",
        "  return { url: import.meta.url, text: shout(`${data.greeting} ${event.name}`) };",
        "};",
        "",
      ].join("\n"),
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      const { mkdirSync } = await import("node:fs");
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, text);
    }
    await client.send(new CreateFunctionCommand({ FunctionName: "ts-esm", Runtime: "nodejs22.x", Role: ROLE, Handler: "src/app.handler", Code: { S3Bucket: "hot-reload", S3Key: dir } }));
    const ok = await invoke("ts-esm", { name: "ada" });
    expect(ok.payload).toEqual({ url: pathToFileURL(join(dir, "src", "app.ts")).href, text: "HELLO ADA" });

    const failed = await invoke("ts-esm", { fail: true });
    expect(failed.payload).toMatchObject({ errorType: "Error", errorMessage: "failed on purpose" });
    // Line 7 of app.ts, not of the compiled file.
    expect(failed.payload.trace[1]).toContain(`${join(dir, "src", "app.ts")}:7:`);

    // An edit is compiled again for the next invocation.
    writeFileSync(join(dir, "src", "words.ts"), "export const shout = (s: string): string => `${s}!`;\n");
    expect((await invoke("ts-esm", { name: "bo" })).payload.text).toBe("hello bo!");
  });

  it("gives an ES module handler the AWS SDK's exports as Node's import of the SDK does: named, default and namespace, the same objects as require()", async () => {
    await create("ts-esm-sdk", {
      "package.json": JSON.stringify({ type: "module" }),
      "src/app.ts": [
        'import { createRequire } from "node:module";',
        'import S3, { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";',
        'import * as dynamodb from "@aws-sdk/client-dynamodb";',
        "const require = createRequire(import.meta.url);",
        "export const handler = async () => {",
        '  const viaRequire = require("@aws-sdk/client-s3");',
        '  const later = await import("@aws-sdk/lib-dynamodb");',
        "  return {",
        "    named: S3Client === viaRequire.S3Client && PutObjectCommand === viaRequire.PutObjectCommand,",
        "    defaultIsExports: S3 === viaRequire,",
        '    namespace: typeof dynamodb.DynamoDBClient === "function" && dynamodb.default === require("@aws-sdk/client-dynamodb"),',
        '    names: Object.keys(dynamodb).length === Object.keys(require("@aws-sdk/client-dynamodb")).length + Object.keys(dynamodb).filter((k) => k === "default" || k === "module.exports").length,',
        '    dynamic: later.DynamoDBDocumentClient === require("@aws-sdk/lib-dynamodb").DynamoDBDocumentClient,',
        "  };",
        "};",
        "",
      ].join("\n"),
    });
    expect((await invoke("ts-esm-sdk")).payload).toEqual({ named: true, defaultIsExports: true, namespace: true, names: true, dynamic: true });
  });

  it("runs a CommonJS handler (no \"type\": \"module\") with its __dirname and require() of its folder", async () => {
    await create("ts-cjs", {
      "src/app.ts": 'const config = require("./config.json") as { colour: string };\nexport const handler = async () => ({ dir: __dirname.endsWith("/src"), colour: config.colour, file: __filename.endsWith("app.ts") });\n',
      "src/config.json": JSON.stringify({ colour: "teal" }),
    });
    expect((await invoke("ts-cjs")).payload).toEqual({ dir: true, colour: "teal", file: true });
  });

  it("reports a syntax error and a missing package as AWS's runtime errors", async () => {
    await create("ts-syntax", { "src/app.ts": "export const handler = async () => {\n  return { a: 1 ;\n};\n" });
    const syntax = await invoke("ts-syntax");
    expect(syntax.out.FunctionError).toBe("Unhandled");
    expect(syntax.payload.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect(syntax.payload.errorMessage).toMatch(/^SyntaxError: src\/app\.ts:2:\d+: /);

    await create("ts-missing", { "src/app.ts": 'import { nothing } from "a-package-nobody-installed";\nexport const handler = async () => nothing;\n' });
    const missing = await invoke("ts-missing");
    expect(missing.payload.errorType).toBe("Runtime.ImportModuleError");
    expect(missing.payload.errorMessage).toContain("a-package-nobody-installed");
  });
});
