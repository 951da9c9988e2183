import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { zipSync, strToU8 } from "fflate";
import { parseAmplifyConfig } from "aws-amplify/utils";
import type { Trace, TraceSummary } from "../../server/core/traces.js";
import { mailCount, mailedCode } from "../../server/face-login/face-login-client.js";
import { enrol, readPersonas, signIn, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { sdkConfig } from "../support/clients.js";

/**
 * rekognito's own pages beside the AWS APIs: the web app at / for a browser (SDK calls to / stay
 * S3's), its amplify_outputs.json, the console's data (traces of a sign-in through the app's real
 * Lambdas, resources, face images), the live event stream, and the request policy in front of them.
 */

const ana = readPersonas().find((p) => p.id === "ana")!;
const bruno = readPersonas().find((p) => p.id === "bruno")!;
let app: AppUnderTest;

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.endpoint}${path}`, { headers });
const json = async <T>(path: string): Promise<T> => (await (await get(path)).json()) as T;

/** A GET with headers fetch will not send (Host). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${app.endpoint}${path}`, { headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  app = await startLocalApp();
});
afterAll(() => app?.close());

describe("the web app at /", () => {
  it("answers a browser's GET / with the app's page, and every signed or non-HTML request with S3", async () => {
    const page = await get("/", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/_rekognito/app/app.js">');
    const script = await get("/_rekognito/app/app.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);

    // The SDK's ListBuckets, and a signed request that happens to accept HTML, are S3's.
    const { Buckets } = await app.s3.send(new ListBucketsCommand({}));
    expect(Buckets!.map((b) => b.Name)).toContain(app.resources.documentsBucket);
    const unsigned = await get("/", { accept: "application/xml" });
    expect(await unsigned.text()).toContain("<Error><Code>AccessDenied</Code>");
    const signedHtml = await get("/", { accept: "text/html", authorization: "AWS4-HMAC-SHA256 Credential=someone/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00" });
    expect(signedHtml.headers.get("content-type")).toMatch(/xml/);
    // A bucket under its virtual host is S3's too.
    const hosted = await raw("/", { accept: "text/html", host: `${app.resources.documentsBucket}.localhost:${new URL(app.endpoint).port}` });
    expect(hosted.type).not.toMatch(/^text\/html/);
  });

  it("serves amplify_outputs.json in Amplify's shape, with the endpoint the browser used", async () => {
    const outputs = await json<{ version: string; auth: Record<string, unknown>; custom: { userPoolEndpoint: string } }>("/_rekognito/app/amplify_outputs.json");
    expect(outputs.auth).toMatchObject({ user_pool_id: app.resources.userPoolId, user_pool_client_id: app.resources.userPoolClientId, aws_region: app.resources.region });
    expect(outputs.custom.userPoolEndpoint).toBe(app.endpoint);
    // Amplify reads it as its own outputs file.
    const config = parseAmplifyConfig(outputs as never);
    expect(config.Auth?.Cognito).toMatchObject({ userPoolId: app.resources.userPoolId, userPoolClientId: app.resources.userPoolClientId });
    const viaLocalhost = await raw("/_rekognito/app/amplify_outputs.json", { host: `localhost:${new URL(app.endpoint).port}` });
    expect((JSON.parse(viaLocalhost.body) as typeof outputs).custom.userPoolEndpoint).toBe(`http://localhost:${new URL(app.endpoint).port}`);
  });

  it("answers loopback pages only: a page on another site gets 403 and no CORS for the app, the console and its data", async () => {
    for (const path of ["/_rekognito/api/traces", "/_rekognito/api/resources", "/_rekognito/app/amplify_outputs.json", "/_rekognito/api/events"]) {
      const refused = await get(path, { origin: "https://evil.example" });
      expect(refused.status, path).toBe(403);
      expect(refused.headers.get("access-control-allow-origin"), path).toBeNull();
    }
    const allowed = await get("/_rekognito/api/traces", { origin: "http://localhost:3000" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
  });

  it("answers the mailbox as JSON to scripts and as the console's page to a browser", async () => {
    expect(Array.isArray(await json("/_rekognito/mailbox"))).toBe(true);
    const page = await get("/_rekognito/mailbox", { accept: "text/html" });
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("/_rekognito/assets/console.js");
    for (const path of ["/_rekognito/", "/_rekognito/traces", "/_rekognito/traces/t1", "/_rekognito/resources"]) {
      expect((await get(path)).headers.get("content-type"), path).toMatch(/^text\/html/);
    }
  });
});

describe("the console's traces", () => {
  it("records a sign-in as a timeline: each trigger with its event and answer, the challenge, the upload, Verify's calls with their scores, the tokens", async () => {
    expect((await enrol(app, ana.email, readFileSync(ana.document))).answered.tokens).toBeDefined();
    expect((await signIn(app, ana.email, readFileSync(ana.selfies[0]!))).tokens).toBeDefined();
    const { traces } = await json<{ traces: TraceSummary[] }>(`/_rekognito/api/traces?user=${encodeURIComponent(ana.email)}&kind=sign-in`);
    expect(traces.map((t) => t.outcome)).toEqual(["signed in", "signed in"]);
    const trace = await json<Trace>(`/_rekognito/api/traces/${traces[0]!.id}`);
    const steps = trace.steps;
    const titles = steps.map((s) => s.title);
    expect(titles[0]).toBe("InitiateAuth CUSTOM_AUTH");
    const triggers = steps.filter((s) => s.type === "trigger").map((s) => s.title);
    expect(triggers).toEqual(["Define Auth Challenge trigger", "Create Auth Challenge trigger", "Verify Auth Challenge Response trigger", "Define Auth Challenge trigger"]);
    const verify = steps.find((s) => s.title.startsWith("Verify"))!;
    const detail = JSON.parse(verify.detail!);
    expect(detail.event.triggerSource).toBe("VerifyAuthChallengeResponse_Authentication");
    expect(detail.response).toEqual({ answerCorrect: true });
    const challenge = JSON.parse(steps.find((s) => s.type === "challenge")!.detail!);
    expect(challenge.publicChallengeParameters.step).toBe("FACE");
    expect(Object.keys(challenge.privateChallengeParameters).length).toBeGreaterThan(0);
    expect(steps.some((s) => s.type === "upload" && s.title.includes(challenge.publicChallengeParameters.uploadKey))).toBe(true);
    // The Verify function's own SearchFacesByImage, under its invocation, with Ana's score.
    const invocation = steps.find((s) => s.type === "invocation" && s.parent === verify.seq)!;
    expect(JSON.parse(invocation.detail!).log.some((l: string) => l.startsWith("REPORT RequestId:"))).toBe(true);
    const search = steps.find((s) => s.parent === invocation.seq && s.title.startsWith("rekognition SearchFacesByImage"))!;
    const best = JSON.parse(search.detail!).faceMatches[0];
    expect(best.similarity).toBeGreaterThanOrEqual(95);
    expect(steps.at(-1)).toMatchObject({ type: "tokens", ok: true });
    expect(JSON.parse(steps.at(-1)!.detail!).idTokenClaims.email).toBe(ana.email);
  });

  it("records the ENROLL round's mailed code, the document's S3 event and the index-faces run it caused", async () => {
    const before = await mailCount(app.endpoint, bruno.email);
    await app.client.signUp(bruno.email);
    const challenge = await app.client.start(bruno.email);
    await app.client.upload(challenge, readFileSync(bruno.document));
    const answered = await app.client.answer(challenge, (await mailedCode(app.endpoint, bruno.email, { after: before }))!);
    expect(answered.tokens).toBeDefined();
    const [latest] = (await json<{ traces: TraceSummary[] }>(`/_rekognito/api/traces?user=${encodeURIComponent(bruno.email)}`)).traces;
    const trace = await json<Trace>(`/_rekognito/api/traces/${latest!.id}`);
    const create = trace.steps.find((s) => s.title.startsWith("Create"))!;
    const createRun = trace.steps.find((s) => s.parent === create.seq)!;
    expect(trace.steps.some((s) => s.parent === createRun.seq && s.title.startsWith("ses SendEmail 200"))).toBe(true);
    const s3Event = trace.steps.find((s) => s.type === "s3-event")!;
    expect(s3Event.title).toContain("ObjectCreated:Put");
    const indexRun = trace.steps.find((s) => s.type === "invocation" && s.parent === s3Event.seq)!;
    expect(indexRun.title).toContain("index-faces");
    const indexed = trace.steps.find((s) => s.parent === indexRun.seq && s.title.startsWith("rekognition IndexFaces"))!;
    expect(JSON.parse(indexed.detail!).indexed).toHaveLength(1);
  });

  it("filters by pool and user", async () => {
    const pool = app.resources.userPoolId;
    const inPool = (await json<{ traces: TraceSummary[] }>(`/_rekognito/api/traces?pool=${pool}`)).traces;
    expect(inPool.length).toBeGreaterThanOrEqual(3);
    expect(inPool.every((t) => t.poolId === pool)).toBe(true);
    expect((await json<{ traces: TraceSummary[] }>(`/_rekognito/api/traces?pool=us-east-1_nothere`)).traces).toEqual([]);
    expect((await json<{ traces: TraceSummary[] }>(`/_rekognito/api/traces?user=nobody@example.com`)).traces).toEqual([]);
    expect((await get("/_rekognito/api/traces/t999999")).status).toBe(404);
  });

  it("streams each change as a server-sent event while the page is open", async () => {
    const events: { event: string; data: any }[] = [];
    const url = new URL(`${app.endpoint}/_rekognito/api/events`);
    const req = httpRequest(url, { headers: { accept: "text/event-stream" } });
    const opened = new Promise<import("node:http").IncomingMessage>((resolve) => req.on("response", resolve));
    req.end();
    const response = await opened;
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    let buffer = "";
    const gotMail = new Promise<void>((resolve) => {
      response.on("data", (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        for (let at = buffer.indexOf("\n\n"); at >= 0; at = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          if (event === "mail") resolve();
        }
      });
    });
    const mei = readPersonas().find((p) => p.id === "mei")!;
    await app.client.signUp(mei.email);
    await app.client.start(mei.email);
    await gotMail;
    req.destroy();
    expect(events.some((e) => e.event === "trace" && e.data.trace.user === mei.email && e.data.step?.type === "InitiateAuth")).toBe(true);
    expect(events.find((e) => e.event === "mail")!.data).toMatchObject({ to: mei.email, code: expect.stringMatching(/^\d{6}$/) });
  });

  it("gives each Lambda invocation its own X-Ray trace header in _X_AMZN_TRACE_ID, as AWS Lambda does", async () => {
    const lambda = new LambdaClient(sdkConfig(app.endpoint));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "trace-echo",
        Runtime: "nodejs20.x",
        Role: "arn:aws:iam::000000000000:role/r",
        Handler: "index.handler",
        Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => process.env._X_AMZN_TRACE_ID;") }) },
      }),
    );
    const headers = [];
    for (let i = 0; i < 2; i++) headers.push(JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: "trace-echo" }))).Payload!).toString()));
    for (const header of headers) expect(header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(headers[0]).not.toBe(headers[1]);
    const { traces } = await json<{ traces: TraceSummary[] }>("/_rekognito/api/traces?kind=invocation");
    expect(traces.filter((t) => t.title === "trace-echo (Invoke)").map((t) => t.outcome)).toEqual(["ok", "ok"]);
  });
});

describe("the console's resources", () => {
  it("lists the collection's faces with the image each came from, the pool's users, buckets, tables and functions", async () => {
    const r = await json<any>("/_rekognito/api/resources");
    expect(r.errors).toEqual([]);
    const collection = r.collections.find((c: any) => c.collectionId === app.resources.collectionId);
    expect(collection.faceCount).toBe(2);
    const face = collection.faces[0];
    expect(face.source.bucket).toBe(app.resources.documentsBucket);
    expect(face.boundingBox.Width).toBeGreaterThan(0);
    expect([ana.email, bruno.email]).toContain(face.user);
    const image = await get(`/_rekognito/api/faces/${face.faceId}/image`);
    expect(image.status).toBe(200);
    const bytes = Buffer.from(await image.arrayBuffer());
    expect([ana.document, bruno.document].some((path) => readFileSync(path).equals(bytes))).toBe(true);
    expect((await get("/_rekognito/api/faces/00000000-0000-0000-0000-000000000000/image")).status).toBe(404);

    const pool = r.userPools.find((p: any) => p.id === app.resources.userPoolId);
    expect(pool.users.map((u: any) => u.email)).toEqual(expect.arrayContaining([ana.email, bruno.email]));
    expect(r.buckets.map((b: any) => b.name)).toEqual(expect.arrayContaining([app.resources.documentsBucket, app.resources.signInBucket]));
    expect(r.buckets.find((b: any) => b.name === app.resources.documentsBucket).objectCount).toBe(2);
    expect(r.tables.map((t: any) => t.name)).toContain(app.resources.facesTable);
    const verify = r.functions.find((f: any) => f.name.endsWith("verify-auth-challenge"));
    expect(verify.triggers).toEqual([expect.stringContaining("VerifyAuthChallengeResponse")]);
  });
});
