import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ListFacesCommand } from "@aws-sdk/client-rekognition";
import { CreateUserPoolCommand, DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startStack, type Stack } from "../../server/stack.js";
import { ManualClock } from "../../server/core/clock.js";
import { ROLE, zipOf } from "../lambda/helpers.js";
import { clientsOf, control, fill, inventory, type Clients } from "./helpers.js";
import { sdkConfig } from "../support/clients.js";

/**
 * The control API through real HTTP on an in-process stack: reset (whole, per service,
 * persisted), snapshots (save, list, restore, delete, export and import across two stacks), the
 * clock (moved, honoured, refused on the system clock) and who may call it.
 */

const clock = new ManualClock(Date.now());
let stack: Stack;
let c: Clients;

beforeAll(async () => {
  stack = await startStack({ clock });
  c = clientsOf(stack.endpoint);
});
afterAll(() => stack?.close());
beforeEach(async () => {
  await control(stack.endpoint, "POST", "/_rekognito/reset");
});

describe("POST /_rekognito/reset", () => {
  it("puts every service back to the just-started stack, answers what it cleared, and is idempotent", async () => {
    await fill(c, "a");
    expect(await inventory(c)).toEqual({ buckets: ["bucket-a"], tables: ["table-a"], collections: ["faces-a"], pools: ["pool-a"] });

    const reset = await control(stack.endpoint, "POST", "/_rekognito/reset");
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({
      reset: "all",
      cleared: {
        s3: { buckets: 1, objects: 1 },
        dynamodb: { tables: 1 },
        rekognition: { collections: 1, faces: 1 },
        "cognito-idp": { userPools: 1 },
      },
      now: { s3: { buckets: 0, objects: 0 }, rekognition: { collections: 0, faces: 0 }, "cognito-idp": { userPools: 0 } },
    });
    expect(await inventory(c)).toEqual({ buckets: [], tables: [], collections: [], pools: [] });

    const again = await control(stack.endpoint, "POST", "/_rekognito/reset");
    expect(again.status).toBe(200);
    expect(again.json.cleared).toMatchObject({ s3: { buckets: 0, objects: 0 }, rekognition: { collections: 0, faces: 0 }, "cognito-idp": { userPools: 0 } });
    expect(await inventory(c)).toEqual({ buckets: [], tables: [], collections: [], pools: [] });
  });

  it("resets one service alone (?service=), by its name or its AWS name", async () => {
    await fill(c, "b");
    const one = await control(stack.endpoint, "POST", "/_rekognito/reset?service=rekognition");
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ reset: "rekognition", cleared: { rekognition: { collections: 1, faces: 1 } } });
    expect(await inventory(c)).toEqual({ buckets: ["bucket-b"], tables: ["table-b"], collections: [], pools: ["pool-b"] });

    expect((await control(stack.endpoint, "POST", "/_rekognito/reset?service=cognito-idp")).json.reset).toBe("cognito");
    expect((await control(stack.endpoint, "POST", "/_rekognito/reset?service=dynamodb")).json.reset).toBe("dynamodb");
    expect(await inventory(c)).toEqual({ buckets: ["bucket-b"], tables: [], collections: [], pools: [] });
    // The object's bytes are still there: S3 was left alone.
    const body = await (await c.s3.send(new GetObjectCommand({ Bucket: "bucket-b", Key: "hello.txt" }))).Body!.transformToString();
    expect(body).toBe("hello from b");
  });

  it("refuses a service it does not know, naming those it does", async () => {
    const bad = await control(stack.endpoint, "POST", "/_rekognito/reset?service=sqs");
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      __type: "InvalidParameterValueException",
      message: 'No service "sqs" to reset: choose one of cognito, mailbox, rekognition, s3, dynamodb, lambda, or none for the whole stack',
    });
    expect(bad.headers.get("x-amzn-errortype")).toBe("InvalidParameterValueException");
  });

  it("goes back to the baseline a test set after provisioning, with the same ids", async () => {
    const own = await startStack();
    try {
      const o = clientsOf(own.endpoint);
      const prepared = await o.cognito.send(new CreateUserPoolCommand({ PoolName: "prepared" }));
      await own.control.setBaseline();
      await fill(o, "c");
      await control(own.endpoint, "POST", "/_rekognito/reset");
      expect(await inventory(o)).toEqual({ buckets: [], tables: [], collections: [], pools: ["prepared"] });
      const again = await o.cognito.send(new DescribeUserPoolCommand({ UserPoolId: prepared.UserPool!.Id! }));
      expect(again.UserPool!.Name).toBe("prepared");
    } finally {
      await own.close();
    }
  });
});

describe("a persistent stack", () => {
  it("resets its data directory too: a restart after a reset finds the reset state", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-control-"));
    try {
      let persistent = await startStack({ dataDir, ephemeral: false });
      await fill(clientsOf(persistent.endpoint), "p");
      expect((await control(persistent.endpoint, "POST", "/_rekognito/reset")).status).toBe(200);
      await fill(clientsOf(persistent.endpoint), "q");
      await control(persistent.endpoint, "POST", "/_rekognito/reset?service=s3");
      await persistent.close();

      persistent = await startStack({ dataDir, ephemeral: false });
      const after = clientsOf(persistent.endpoint);
      expect(await inventory(after)).toEqual({ buckets: [], tables: ["table-q"], collections: ["faces-q"], pools: ["pool-q"] });
      // The baseline kept in the data directory still knows the empty stack it started as.
      expect((await control(persistent.endpoint, "POST", "/_rekognito/reset")).status).toBe(200);
      expect(await inventory(after)).toEqual({ buckets: [], tables: [], collections: [], pools: [] });
      await persistent.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("snapshots", () => {
  it("saves the whole state under a name, lists it, restores it over later changes and deletes it", async () => {
    await fill(c, "s");
    const saved = await control(stack.endpoint, "POST", "/_rekognito/snapshots/filled");
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ name: "filled", replaced: false, tables: 1, items: 1, contents: { s3: { buckets: 1, objects: 1 }, rekognition: { faces: 1 } } });
    expect(saved.json.files).toBeGreaterThan(0);

    await control(stack.endpoint, "POST", "/_rekognito/reset");
    await fill(c, "t");
    const restored = await control(stack.endpoint, "POST", "/_rekognito/snapshots/filled/restore");
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ restored: "filled", cleared: { s3: { buckets: 1 } } });
    expect(await inventory(c)).toEqual({ buckets: ["bucket-s"], tables: ["table-s"], collections: ["faces-s"], pools: ["pool-s"] });
    const item = await c.dynamodb.send(new GetItemCommand({ TableName: "table-s", Key: { id: { S: "1" } } }));
    expect(item.Item).toEqual({ id: { S: "1" }, tag: { S: "s" }, bytes: { B: new Uint8Array([0, 1, 2, 255]) } });
    expect((await c.rekognition.send(new ListFacesCommand({ CollectionId: "faces-s" }))).Faces).toHaveLength(1);

    const list = await control(stack.endpoint, "GET", "/_rekognito/snapshots");
    expect(list.json.snapshots.map((s: { name: string }) => s.name)).toEqual(["filled"]);
    expect((await control(stack.endpoint, "GET", "/_rekognito/snapshots/filled")).json.name).toBe("filled");
    expect((await control(stack.endpoint, "POST", "/_rekognito/snapshots/filled")).json.replaced).toBe(true);
    expect((await control(stack.endpoint, "DELETE", "/_rekognito/snapshots/filled")).status).toBe(200);
    expect((await control(stack.endpoint, "GET", "/_rekognito/snapshots")).json.snapshots).toEqual([]);
  });

  it("answers an unknown or badly named snapshot as AWS answers", async () => {
    expect(await control(stack.endpoint, "POST", "/_rekognito/snapshots/nope/restore")).toMatchObject({ status: 404, json: { __type: "ResourceNotFoundException" } });
    expect(await control(stack.endpoint, "DELETE", "/_rekognito/snapshots/nope")).toMatchObject({ status: 404, json: { __type: "ResourceNotFoundException" } });
    expect(await control(stack.endpoint, "GET", "/_rekognito/snapshots/nope/export")).toMatchObject({ status: 404, json: { __type: "ResourceNotFoundException" } });
    for (const name of [".baseline", "a%2Fb", "-x", "x".repeat(129)]) {
      expect(await control(stack.endpoint, "POST", `/_rekognito/snapshots/${name}`), name).toMatchObject({ status: 400, json: { __type: "InvalidParameterValueException" } });
    }
  });

  it("exports one file that another stack imports and restores", async () => {
    await fill(c, "x");
    await control(stack.endpoint, "POST", "/_rekognito/snapshots/shared");
    const exported = await fetch(`${stack.endpoint}/_rekognito/snapshots/shared/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toBe('attachment; filename="shared.rekognito.json"');
    const bundle = Buffer.from(await exported.arrayBuffer());

    const other = await startStack();
    try {
      const imported = await control(other.endpoint, "PUT", "/_rekognito/snapshots/from-a", { raw: bundle, headers: { "content-type": "application/json" } });
      expect(imported.status).toBe(201);
      expect(imported.json).toMatchObject({ name: "from-a", tables: 1, items: 1 });
      expect((await control(other.endpoint, "POST", "/_rekognito/snapshots/from-a/restore")).status).toBe(200);
      const b = clientsOf(other.endpoint);
      expect(await inventory(b)).toEqual({ buckets: ["bucket-x"], tables: ["table-x"], collections: ["faces-x"], pools: ["pool-x"] });
      const body = await (await b.s3.send(new GetObjectCommand({ Bucket: "bucket-x", Key: "hello.txt" }))).Body!.transformToString();
      expect(body).toBe("hello from x");
    } finally {
      await other.close();
    }
  });

  it("refuses an import that is not a snapshot, or names files outside the state", async () => {
    expect(await control(stack.endpoint, "PUT", "/_rekognito/snapshots/junk", { raw: "{nope", headers: { "content-type": "application/json" } })).toMatchObject({
      status: 400,
      json: { __type: "InvalidParameterValueException", message: expect.stringMatching(/not JSON/) },
    });
    const escape = { format: "rekognito-snapshot", formatVersion: 1, meta: { name: "x" }, dynamodb: [], files: [{ path: "../../etc/evil", base64: "" }] };
    expect(await control(stack.endpoint, "PUT", "/_rekognito/snapshots/junk", { body: escape })).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/outside the state/) },
    });
    const names = (await control(stack.endpoint, "GET", "/_rekognito/snapshots")).json.snapshots.map((m: { name: string }) => m.name);
    expect(names).not.toContain("junk");
  });
});

describe("the clock", () => {
  it("answers the stack's time and moves it by a duration or to a time, never backwards by advance", async () => {
    const start = clock.now();
    expect((await control(stack.endpoint, "GET", "/_rekognito/clock")).json).toMatchObject({ mode: "manual", controllable: true, epochMs: start });
    expect((await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { advance: "PT5M" } })).json.epochMs).toBe(start + 300_000);
    expect((await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { advance: 1500 } })).json.epochMs).toBe(start + 301_500);
    expect((await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { advance: "P1DT1H" } })).json.epochMs).toBe(start + 301_500 + 25 * 3_600_000);
    for (const body of [{ advance: -1000 }, { advance: 0 }, { advance: "PT-5M" }, { advance: "soon" }, { set: "not a time" }, {}, { advance: 1, set: 2 }]) {
      const refused = await control(stack.endpoint, "POST", "/_rekognito/clock", { body });
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 400, json: { __type: "InvalidParameterValueException" } });
    }
    for (const raw of ["{not json", "[1]", "null", '"PT5M"']) {
      const refused = await control(stack.endpoint, "POST", "/_rekognito/clock", { raw, headers: { "content-type": "application/json" } });
      expect(refused, raw).toMatchObject({ status: 400, json: { __type: "SerializationException" } });
    }
    expect(clock.now()).toBe(start + 301_500 + 25 * 3_600_000);
    expect((await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { set: "2027-01-01T00:00:00Z" } })).json.now).toBe("2027-01-01T00:00:00.000Z");
    expect(clock.now()).toBe(Date.UTC(2027, 0, 1));
    clock.set(Date.now());
  });

  it("is the time every service reads", async () => {
    await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { set: "2027-03-04T05:06:07Z" } });
    try {
      const pool = await c.cognito.send(new CreateUserPoolCommand({ PoolName: "dated" }));
      expect(pool.UserPool!.CreationDate).toEqual(new Date("2027-03-04T05:06:07Z"));
      const again = await c.cognito.send(new DescribeUserPoolCommand({ UserPoolId: pool.UserPool!.Id! }));
      expect(again.UserPool!.LastModifiedDate).toEqual(new Date("2027-03-04T05:06:07Z"));
      // Clients outside keep the system's Date: their SDKs would take a far one for clock skew.
      const answered = Date.parse((await fetch(`${stack.endpoint}/_rekognito/health`)).headers.get("date")!);
      expect(Math.abs(answered - Date.now())).toBeLessThan(5_000);
    } finally {
      clock.set(Date.now());
    }
  });

  it("is the time a Lambda function's Date reads, and its AWS SDK signs with", async () => {
    const lambda = new LambdaClient(sdkConfig(stack.endpoint));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "what-time",
        Runtime: "nodejs20.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: {
          ZipFile: zipOf({
            "index.mjs": [
              'import { S3Client, ListBucketsCommand, GetObjectCommand } from "@aws-sdk/client-s3";',
              'import { getSignedUrl } from "@aws-sdk/s3-request-presigner";',
              "const s3 = new S3Client({ forcePathStyle: true });",
              "export const handler = async () => {",
              "  const now = Date.now(), iso = new Date().toISOString();",
              // An answer first: the SDK sets its clock offset from its Date header.
              "  await s3.send(new ListBucketsCommand({}));",
              '  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "b", Key: "k" }), { expiresIn: 60 });',
              '  return { now, iso, signedAt: new URL(url).searchParams.get("X-Amz-Date") };',
              "};",
            ].join("\n"),
          }),
        },
      }),
    );
    const ask = async () => JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: "what-time" }))).Payload!).toString()) as { now: number; iso: string; signedAt: string };
    clock.set(Date.UTC(2030, 5, 1, 12, 0, 0));
    try {
      const first = await ask();
      // The stack's clock stands still; the function's runs on from it while it runs.
      expect(first.now - Date.UTC(2030, 5, 1, 12, 0, 0)).toBeGreaterThanOrEqual(0);
      expect(first.now - Date.UTC(2030, 5, 1, 12, 0, 0)).toBeLessThan(5_000);
      expect(first.iso.slice(0, 13)).toBe("2030-06-01T12");
      expect(first.signedAt.slice(0, 11)).toBe("20300601T12");
      clock.advance(24 * 3_600_000);
      const next = await ask();
      expect(next.iso.slice(0, 13)).toBe("2030-06-02T12");
      expect(next.signedAt.slice(0, 11)).toBe("20300602T12");
    } finally {
      clock.set(Date.now());
    }
  });

  it("is refused on a stack that runs on the system clock", async () => {
    const system = await startStack();
    try {
      expect((await control(system.endpoint, "GET", "/_rekognito/clock")).json).toMatchObject({ mode: "system", controllable: false });
      const refused = await control(system.endpoint, "POST", "/_rekognito/clock", { body: { advance: "PT5M" } });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({ __type: "UnsupportedOperationException", message: expect.stringMatching(/system clock.*--clock manual.*--clock offset/) });
      // The Date header stays the system's own.
      const answered = Date.parse((await fetch(`${system.endpoint}/_rekognito/health`)).headers.get("date")!);
      expect(Math.abs(answered - Date.now())).toBeLessThan(5_000);
    } finally {
      await system.close();
    }
  });
});

/** A POST /_rekognito/reset with this Host header (fetch will not send another Host). */
function statusWithHost(endpoint: string, host: string): Promise<number> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "POST", path: "/_rekognito/reset", headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("who may call it", () => {
  const reset = (headers: Record<string, string>) => control(stack.endpoint, "POST", "/_rekognito/reset", { headers });

  it("refuses a web page of a foreign origin, and a cross-site request that hides its origin", async () => {
    await fill(c, "w");
    expect((await reset({ origin: "https://evil.example" })).status).toBe(403);
    expect((await reset({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await reset({ "sec-fetch-site": "cross-site", referer: "https://evil.example/page" })).status).toBe(403);
    expect((await reset({ origin: "null" })).status).toBe(403);
    expect(await statusWithHost(stack.endpoint, "evil.example")).toBe(403);
    expect((await control(stack.endpoint, "POST", "/_rekognito/clock", { body: { advance: 1000 }, headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await control(stack.endpoint, "GET", "/_rekognito/snapshots", { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    // Nothing was reset.
    expect((await inventory(c)).buckets).toEqual(["bucket-w"]);
  });

  it("refuses the body types a page may send any site without a preflight, even from an allowed origin", async () => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain;charset=UTF-8"]) {
      const refused = await control(stack.endpoint, "POST", "/_rekognito/reset", { raw: "a=b", headers: { "content-type": type, origin: "http://localhost:3000" } });
      expect(refused.status, type).toBe(415);
      expect(refused.json.__type).toBe("UnsupportedMediaTypeException");
    }
  });

  it("serves a loopback page's JSON request, with its origin echoed", async () => {
    const answered = await reset({ origin: "http://localhost:5173", "content-type": "application/json" });
    expect(answered.status).toBe(200);
    expect(answered.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });
});
