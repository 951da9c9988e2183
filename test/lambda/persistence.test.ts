import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { lambdaClient, payloadOf, ROLE, zipOf } from "./helpers.js";

let dataDir: string;
let stack: Stack | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "rekognito-lambda-data-"));
});

afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("persistence", () => {
  it("keeps functions, their code, configuration, policy, versions, aliases, layers and concurrency across a restart", async () => {
    stack = await startStack({ dataDir, ephemeral: false });
    let client = lambdaClient(stack);
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: "kept",
        Runtime: "nodejs20.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (e) => ({ got: e, colour: process.env.COLOUR });\n` }) },
      }),
    );
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "kept", Environment: { Variables: { COLOUR: "green" } } }));
    await client.send(new AddPermissionCommand({ FunctionName: "kept", StatementId: "s3", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com" }));
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: "kept", Payload: JSON.stringify({ n: 1 }) })))).toEqual({ got: { n: 1 }, colour: "green" });
    const layer = await client.send(
      new PublishLayerVersionCommand({ LayerName: "shared", Content: { ZipFile: zipOf({ "nodejs/node_modules/shared/index.js": "exports.word = 'layered';\n" }) } }),
    );
    await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: "kept", ZipFile: zipOf({ "index.mjs": `import { word } from "shared";\nexport const handler = async () => ({ v: 1, word });\n` }), Publish: true }),
    );
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "kept", Layers: [layer.LayerVersionArn!] }));
    const last = await client.send(new UpdateFunctionCodeCommand({ FunctionName: "kept", ZipFile: zipOf({ "index.mjs": `export const handler = async () => ({ v: 2 });\n` }) }));
    await client.send(new CreateAliasCommand({ FunctionName: "kept", Name: "stable", FunctionVersion: "1" }));
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: "kept", ReservedConcurrentExecutions: 5 }));
    client.destroy();
    await stack.close();

    stack = await startStack({ dataDir, ephemeral: false });
    client = lambdaClient(stack);
    const got = await client.send(new GetFunctionCommand({ FunctionName: "kept" }));
    expect(got.Configuration).toMatchObject({
      CodeSha256: last.CodeSha256,
      CodeSize: last.CodeSize,
      Environment: { Variables: { COLOUR: "green" } },
      Layers: [{ Arn: layer.LayerVersionArn }],
    });
    expect(last.CodeSha256).not.toBe(created.CodeSha256);
    expect(JSON.parse((await client.send(new GetPolicyCommand({ FunctionName: "kept" }))).Policy!).Statement[0].Sid).toBe("s3");
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: "kept", Payload: JSON.stringify({ n: 2 }) })))).toEqual({ v: 2 });
    // Version 1 (published before the layer was added: it has none, so its import fails, as it
    // would on AWS) still runs its own code after the restart.
    expect((await client.send(new GetAliasCommand({ FunctionName: "kept", Name: "stable" }))).FunctionVersion).toBe("1");
    const v1 = await client.send(new InvokeCommand({ FunctionName: "kept", Qualifier: "stable" }));
    expect(v1.ExecutedVersion).toBe("1");
    expect(payloadOf(v1)).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    expect((payloadOf(v1) as { errorMessage: string }).errorMessage).toContain("Cannot find package 'shared'");
    expect((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: "kept" }))).ReservedConcurrentExecutions).toBe(5);
    expect((await client.send(new ListLayerVersionsCommand({ LayerName: "shared" }))).LayerVersions!.map((v) => v.Version)).toEqual([1]);
    client.destroy();
  });
});
