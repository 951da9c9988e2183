import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionCommand, GetPolicyCommand, InvokeCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
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
  it("keeps functions, their code, configuration and policy across a restart", async () => {
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
    client.destroy();
    await stack.close();

    stack = await startStack({ dataDir, ephemeral: false });
    client = lambdaClient(stack);
    const got = await client.send(new GetFunctionCommand({ FunctionName: "kept" }));
    expect(got.Configuration).toMatchObject({ CodeSha256: created.CodeSha256, CodeSize: created.CodeSize, Environment: { Variables: { COLOUR: "green" } } });
    expect(JSON.parse((await client.send(new GetPolicyCommand({ FunctionName: "kept" }))).Policy!).Statement[0].Sid).toBe("s3");
    expect(payloadOf(await client.send(new InvokeCommand({ FunctionName: "kept", Payload: JSON.stringify({ n: 2 }) })))).toEqual({ got: { n: 2 }, colour: "green" });
    client.destroy();
  });
});
