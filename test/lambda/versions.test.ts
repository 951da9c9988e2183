import { spawnSync } from "node:child_process";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteLayerVersionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { startStack, type Stack } from "../../server/stack.js";
import { signedHeaders } from "../support/sign.js";
import { lambdaClient, payloadOf, ROLE, zipOf, zipWithModes } from "./helpers.js";

/**
 * Versions and aliases (PublishVersion, ListVersionsByFunction, the alias actions, Invoke with a
 * qualifier, a Cognito trigger pointing at an alias ARN), layers for Node.js and Python (their
 * packages found where /opt/nodejs and /opt/python would have them), reserved concurrency,
 * Code.Location as a presigned URL, and the trailing slashes the AWS CLI v2 sends.
 */

const ACCOUNT = "000000000000";
const arn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
let stack: Stack;
let client: LambdaClient;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  stack = await startStack({ clock });
  client = lambdaClient(stack);
});

afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

const versioned = (v: number) => `export const handler = async (event, context) => ({ v: ${v}, version: context.functionVersion, arn: context.invokedFunctionArn, env: process.env.AWS_LAMBDA_FUNCTION_VERSION });\n`;

async function invoke(FunctionName: string, Qualifier?: string, event: unknown = {}) {
  const out = await client.send(new InvokeCommand({ FunctionName, Qualifier, Payload: JSON.stringify(event) }));
  return { out, payload: payloadOf(out) as any };
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number; raw: any }> {
  const error = (await promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e) => e,
  )) as any;
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode, raw: error };
}

describe("versions and aliases", () => {
  it("publishes versions, runs each as it was, and routes aliases to them", async () => {
    const created = await client.send(
      new CreateFunctionCommand({ FunctionName: "ver", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipOf({ "index.mjs": versioned(1) }) }, Publish: true }),
    );
    // CreateFunction with Publish answers the version it published.
    expect(created).toMatchObject({ Version: "1", FunctionArn: `${arn("ver")}:1` });
    // Publishing again with nothing changed gives the same version back, as AWS does.
    expect((await client.send(new PublishVersionCommand({ FunctionName: "ver" }))).Version).toBe("1");

    await client.send(new UpdateFunctionCodeCommand({ FunctionName: "ver", ZipFile: zipOf({ "index.mjs": versioned(2) }) }));
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "ver", Environment: { Variables: { COLOUR: "green" } } }));
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: "ver", Description: "second" }));
    expect(v2).toMatchObject({ Version: "2", Description: "second", FunctionArn: `${arn("ver")}:2`, Environment: { Variables: { COLOUR: "green" } } });
    const wrongSha = await refusal(client.send(new PublishVersionCommand({ FunctionName: "ver", CodeSha256: "AAAA" })));
    expect(wrongSha.name).toBe("InvalidParameterValueException");
    expect(wrongSha.message).toContain("is different from current CodeSHA256 in $LATEST");

    await client.send(new UpdateFunctionCodeCommand({ FunctionName: "ver", ZipFile: zipOf({ "index.mjs": versioned(3) }) }));
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: "ver" }));
    expect(versions.Versions!.map((v) => v.Version)).toEqual(["$LATEST", "1", "2"]);
    const all = await client.send(new ListFunctionsCommand({ FunctionVersion: "ALL" }));
    expect(all.Functions!.filter((f) => f.FunctionName === "ver").map((f) => f.Version)).toEqual(["$LATEST", "1", "2"]);

    // Each version runs its own code; the unpacked package of version 1 outlived two updates.
    const one = await invoke("ver", "1");
    expect(one.payload).toEqual({ v: 1, version: "1", arn: `${arn("ver")}:1`, env: "1" });
    expect(one.out.ExecutedVersion).toBe("1");
    expect((await invoke(`${arn("ver")}:2`)).payload).toMatchObject({ v: 2, version: "2" });
    expect((await invoke("ver")).payload).toMatchObject({ v: 3, version: "$LATEST", arn: arn("ver") });
    expect((await invoke("ver")).out.ExecutedVersion).toBe("$LATEST");
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: "ver", Qualifier: "2" }));
    expect(config).toMatchObject({ Version: "2", FunctionArn: `${arn("ver")}:2` });

    const live = await client.send(new CreateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "1", Description: "prod" }));
    expect(live).toMatchObject({ AliasArn: `${arn("ver")}:live`, Name: "live", FunctionVersion: "1", Description: "prod" });
    const byAlias = await invoke("ver", "live");
    // The context names the ARN invoked (the alias's); the version that ran is 1.
    expect(byAlias.payload).toMatchObject({ v: 1, version: "1", arn: `${arn("ver")}:live` });
    expect(byAlias.out.ExecutedVersion).toBe("1");
    expect((await refusal(client.send(new CreateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "2" })))).message).toBe(
      `Alias already exists: ${arn("ver")}:live`,
    );
    const missingVersion = await refusal(client.send(new CreateAliasCommand({ FunctionName: "ver", Name: "next", FunctionVersion: "9" })));
    expect(missingVersion).toMatchObject({ name: "ResourceNotFoundException", message: `Function not found: ${arn("ver")}:9`, status: 404 });

    const moved = await client.send(new UpdateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "2" }));
    expect(moved.FunctionVersion).toBe("2");
    expect((await invoke(`${arn("ver")}:live`)).payload.v).toBe(2);
    const stale = await refusal(client.send(new UpdateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "1", RevisionId: live.RevisionId })));
    expect(stale.name).toBe("PreconditionFailedException");

    // Weighted routing: about the share asked, deterministically.
    await client.send(new UpdateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "2", RoutingConfig: { AdditionalVersionWeights: { "1": 0.25 } } }));
    const ran = [];
    for (let i = 0; i < 40; i++) ran.push((await invoke("ver", "live")).out.ExecutedVersion);
    const ones = ran.filter((v) => v === "1").length;
    expect(ones).toBeGreaterThanOrEqual(8);
    expect(ones).toBeLessThanOrEqual(12);
    expect((await client.send(new GetAliasCommand({ FunctionName: "ver", Name: "live" }))).RoutingConfig).toEqual({ AdditionalVersionWeights: { "1": 0.25 } });
    expect((await client.send(new ListAliasesCommand({ FunctionName: "ver" }))).Aliases!.map((a) => a.Name)).toEqual(["live"]);

    // A version an alias uses cannot go; $LATEST never goes alone; an alias is not found once deleted.
    const inUse = await refusal(client.send(new DeleteFunctionCommand({ FunctionName: "ver", Qualifier: "1" })));
    expect(inUse).toMatchObject({ name: "ResourceConflictException", message: "Unable to delete version because the following aliases reference it: [live]", status: 409 });
    const latest = await refusal(client.send(new DeleteFunctionCommand({ FunctionName: "ver", Qualifier: "$LATEST" })));
    expect(latest.message).toBe("$LATEST version cannot be deleted without deleting the function.");
    await client.send(new DeleteAliasCommand({ FunctionName: "ver", Name: "live" }));
    expect((await refusal(client.send(new GetAliasCommand({ FunctionName: "ver", Name: "live" })))).message).toBe(`Alias not found: ${arn("ver")}:live`);
    expect((await refusal(invoke("ver", "live"))).message).toBe(`Function not found: ${arn("ver")}:live`);
    await client.send(new DeleteFunctionCommand({ FunctionName: "ver", Qualifier: "1" }));
    expect((await client.send(new ListVersionsByFunctionCommand({ FunctionName: "ver" }))).Versions!.map((v) => v.Version)).toEqual(["$LATEST", "2"]);
    expect((await refusal(invoke("ver", "1"))).name).toBe("ResourceNotFoundException");
    // A version number is never given twice.
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: "ver", ZipFile: zipOf({ "index.mjs": versioned(4) }), Publish: true }));
    expect((await client.send(new ListVersionsByFunctionCommand({ FunctionName: "ver" }))).Versions!.map((v) => v.Version)).toEqual(["$LATEST", "2", "3"]);
    const mismatch = await refusal(client.send(new GetFunctionCommand({ FunctionName: `${arn("ver")}:2`, Qualifier: "3" })));
    expect(mismatch.message).toBe("The derived qualifier from the function name does not match the specified qualifier.");
  });

  it("runs a Cognito trigger configured with an alias ARN, at the alias's version", async () => {
    const source = (autoConfirm: boolean) => `export const handler = async (event) => { event.response.autoConfirmUser = ${autoConfirm}; return event; };\n`;
    await client.send(
      new CreateFunctionCommand({ FunctionName: "pre-sign-up-v", Runtime: "nodejs22.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipOf({ "index.mjs": source(true) }) }, Publish: true }),
    );
    const alias = await client.send(new CreateAliasCommand({ FunctionName: "pre-sign-up-v", Name: "live", FunctionVersion: "1" }));
    // $LATEST moves on (it would not confirm); the alias stays on version 1.
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: "pre-sign-up-v", ZipFile: zipOf({ "index.mjs": source(false) }) }));
    const cognito = new CognitoIdentityProviderClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
      const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "aliased", LambdaConfig: { PreSignUp: alias.AliasArn } }));
      const appClient = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id!, ClientName: "c" }));
      const signedUp = await cognito.send(new SignUpCommand({ ClientId: appClient.UserPoolClient!.ClientId!, Username: "ana", Password: "Passw0rd!Passw0rd" }));
      expect(signedUp.UserConfirmed).toBe(true);
    } finally {
      cognito.destroy();
    }
  });
});

describe("reserved concurrency", () => {
  it("throttles invocations past the function's reserved concurrency as AWS does (429, TooManyRequestsException)", async () => {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "reserved",
        Runtime: "nodejs20.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async (e) => { if (e.wait) await new Promise((r) => setTimeout(r, e.wait)); return 'ran'; };\n" }) },
      }),
    );
    expect(await client.send(new GetFunctionConcurrencyCommand({ FunctionName: "reserved" }))).not.toHaveProperty("ReservedConcurrentExecutions");
    expect((await client.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 0 }))).ReservedConcurrentExecutions).toBe(0);
    const throttled = await refusal(invoke("reserved"));
    expect(throttled.raw.$metadata.attempts).toBeGreaterThan(1);
    expect(throttled).toMatchObject({ name: "TooManyRequestsException", message: "Rate Exceeded.", status: 429 });
    expect(throttled.raw.Reason).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");

    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 1 }));
    expect((await client.send(new GetFunctionCommand({ FunctionName: "reserved" }))).Concurrency).toEqual({ ReservedConcurrentExecutions: 1 });
    // One running: a second at the same time is throttled, the first answers. (The SDK retries
    // throttling errors by itself: this client does not, to see the first answer.)
    const once = new LambdaClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    try {
      const slow = invoke("reserved", undefined, { wait: 400 });
      await new Promise((r) => setTimeout(r, 150));
      expect((await refusal(once.send(new InvokeCommand({ FunctionName: "reserved", Payload: "{}" })))).name).toBe("TooManyRequestsException");
      expect((await slow).payload).toBe("ran");
    } finally {
      once.destroy();
    }

    const tooMuch = await refusal(client.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 901 })));
    expect(tooMuch.message).toBe("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "reserved" }));
    expect((await invoke("reserved")).payload).toBe("ran");
  });
});

const python = spawnSync("python3", ["-c", "pass"]);
const noPython = python.status !== 0 ? "python3 is not installed (apt-get install python3)" : "";
if (noPython) console.log(`[skip] Python layers: ${noPython}`);

describe("layers", () => {
  it("publishes layer versions and gives functions their packages where AWS's runtimes find /opt's", async () => {
    const greeter = (word: string) => `exports.greet = function (name) { return "${word} " + name; };\n`;
    const first = await client.send(
      new PublishLayerVersionCommand({
        LayerName: "greeter",
        Description: "says hello",
        CompatibleRuntimes: ["nodejs20.x", "nodejs22.x", "python3.12"],
        LicenseInfo: "MIT",
        Content: {
          ZipFile: zipWithModes({
            "nodejs/node_modules/greeter/package.json": JSON.stringify({ name: "greeter", main: "index.js" }),
            "nodejs/node_modules/greeter/index.js": greeter("hello"),
            "python/greeter.py": "def greet(name):\n    return 'hello ' + name\n",
            "bin/greeter-tool": { text: "#!/bin/sh\necho tool\n", mode: 0o755 },
          }),
        },
      }),
    );
    expect(first).toMatchObject({
      LayerArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:greeter`,
      LayerVersionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:greeter:1`,
      Version: 1,
      Description: "says hello",
      LicenseInfo: "MIT",
      CompatibleRuntimes: ["nodejs20.x", "nodejs22.x", "python3.12"],
    });
    const download = await fetch(first.Content!.Location!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).length).toBe(first.Content!.CodeSize);

    const second = await client.send(
      new PublishLayerVersionCommand({
        LayerName: "greeter",
        CompatibleRuntimes: ["nodejs20.x"],
        Content: { ZipFile: zipOf({ "nodejs/node_modules/greeter/index.js": greeter("hi") }) },
      }),
    );
    expect(second.Version).toBe(2);
    expect((await client.send(new ListLayerVersionsCommand({ LayerName: "greeter" }))).LayerVersions!.map((v) => v.Version)).toEqual([2, 1]);
    const python312 = await client.send(new ListLayersCommand({ CompatibleRuntime: "python3.12" }));
    expect(python312.Layers!.find((l) => l.LayerName === "greeter")?.LatestMatchingVersion?.Version).toBe(1);
    expect((await client.send(new GetLayerVersionByArnCommand({ Arn: second.LayerVersionArn }))).Version).toBe(2);

    // CommonJS finds it through NODE_PATH, an ES module through the runtime's resolve hook; later layers win.
    const layered = await client.send(
      new CreateFunctionCommand({
        FunctionName: "layered",
        Runtime: "nodejs20.x",
        Role: ROLE,
        Handler: "index.handler",
        Layers: [first.LayerVersionArn!],
        Code: {
          ZipFile: zipOf({
            "index.mjs": `import { greet } from "greeter";\nimport { createRequire } from "node:module";\nimport { execFileSync } from "node:child_process";\nconst require = createRequire(import.meta.url);\nexport const handler = async () => ({ esm: greet("esm"), cjs: require("greeter").greet("cjs"), tool: execFileSync("greeter-tool").toString().trim() });\n`,
          }),
        },
      }),
    );
    expect(layered.Layers).toEqual([{ Arn: first.LayerVersionArn, CodeSize: first.Content!.CodeSize }]);
    expect((await invoke("layered")).payload).toEqual({ esm: "hello esm", cjs: "hello cjs", tool: "tool" });
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Layers: [first.LayerVersionArn!, second.LayerVersionArn!] }));
    expect((await invoke("layered")).payload).toMatchObject({ esm: "hi esm", cjs: "hi cjs" });

    if (!noPython) {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: "layered-py",
          Runtime: "python3.12",
          Role: ROLE,
          Handler: "app.handler",
          Layers: [first.LayerVersionArn!],
          Code: { ZipFile: zipOf({ "app.py": "import greeter\ndef handler(event, context):\n    return greeter.greet('python')\n" }) },
        }),
      );
      expect((await invoke("layered-py")).payload).toBe("hello python");
    }

    const missing = await refusal(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Layers: [`arn:aws:lambda:us-east-1:${ACCOUNT}:layer:greeter:9`] })),
    );
    expect(missing).toMatchObject({ name: "InvalidParameterValueException", message: `Layer version arn:aws:lambda:us-east-1:${ACCOUNT}:layer:greeter:9 does not exist.` });
    const six = Array.from({ length: 6 }, () => first.LayerVersionArn!);
    expect((await refusal(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Layers: six })))).message).toBe("Cannot reference more than 5 layers.");

    // Deleted, a layer version is gone from the API; a function that uses it keeps it, as on AWS.
    await client.send(new DeleteLayerVersionCommand({ LayerName: "greeter", VersionNumber: 2 }));
    expect((await refusal(client.send(new GetLayerVersionCommand({ LayerName: "greeter", VersionNumber: 2 })))).name).toBe("ResourceNotFoundException");
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Description: "restart its environments" }));
    expect((await invoke("layered")).payload).toMatchObject({ esm: "hi esm" });
  });
});

describe("Code.Location and the AWS CLI v2's paths", () => {
  it("answers GetFunction with a presigned URL that downloads the package for ten minutes", async () => {
    const zip = zipOf({ "index.mjs": "export const handler = async () => 1;\n" });
    await client.send(new CreateFunctionCommand({ FunctionName: "located", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip } }));
    const location = (await client.send(new GetFunctionCommand({ FunctionName: "located" }))).Code!.Location!;
    expect(location).toMatch(/\?X-Amz-Date=\d{8}T\d{6}Z&X-Amz-Expires=600&X-Amz-Signature=[0-9a-f]{64}$/);
    const ok = await fetch(location);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(Buffer.from(zip));
    // Pointed at another file, or re-signed by hand, it is refused.
    const tampered = location.replace(/X-Amz-Signature=[0-9a-f]/, (m) => (m.endsWith("0") ? m.slice(0, -1) + "1" : m.slice(0, -1) + "0"));
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(location.replace("/located/", "/layered/"))).status).toBe(403);
    clock.advance(601_000);
    const expired = await fetch(location);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("Request has expired");
  });

  it("answers every Lambda route with a trailing slash too", async () => {
    const host = new URL(stack.endpoint).host;
    const get = async (path: string) => {
      const headers = await signedHeaders("lambda", { method: "GET", path, headers: {}, host });
      return fetch(`${stack.endpoint}${path}`, { headers });
    };
    const listed = await get("/2015-03-31/functions/");
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { Functions: { FunctionName: string }[] }).Functions.map((f) => f.FunctionName)).toContain("located");
    const one = await get("/2015-03-31/functions/located/");
    expect(((await one.json()) as { Configuration: { FunctionName: string } }).Configuration.FunctionName).toBe("located");
    const versions = await get("/2015-03-31/functions/located/versions/");
    expect(versions.status).toBe(200);
    const layers = await get("/2018-10-31/layers/");
    expect(layers.status).toBe(200);
  });
});
