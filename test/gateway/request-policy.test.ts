import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListCollectionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startStack, type Stack } from "../../server/stack.js";
import { RequestPolicy, type Destination } from "../../server/protocol/policy.js";
import { headerMap, parseAuthentication } from "../../server/protocol/sigv4.js";
import { ManualClock } from "../../server/core/clock.js";
import { signedHeaders } from "../support/sign.js";
import { s3Config, sdkConfig } from "../support/clients.js";
import { lambdaClient, ROLE, zipOf } from "../lambda/helpers.js";
import { freePort } from "../support/net.js";

// The attacks of issue 10 part 1, each tried against a started stack: a web page the developer
// visits (another origin, or a DNS-rebinding name for 127.0.0.1) must not drive the dev server.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: unlike fetch(), node:http sends the Host header it is given. */
function raw(endpoint: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const JSON_11 = "application/x-amz-json-1.1";
const FUNCTION_ZIP = Buffer.from(zipOf({ "index.js": "exports.handler = async () => require('child_process').execSync('id').toString();" })).toString("base64");

describe("the request policy's steps, each alone", () => {
  const policy = new RequestPolicy({ clock: new ManualClock(), bindHost: "dev-box.lan", allowHosts: ["rekognito"], allowOrigins: ["https://*.example.test"] });
  const lambda: Destination = { service: "lambda", wire: "rest-json", signature: "required" };
  const s3: Destination = { service: "s3", wire: "s3", signature: "anonymous" };

  it("checkHost: a denial in each wire's shape for a name it does not serve", () => {
    for (const ok of ["localhost:4566", "[::1]:4566", "192.168.1.20:4566", "dev-box.lan:4566", "rekognito"]) expect(policy.checkHost(ok), ok).toBeUndefined();
    const denial = policy.checkHost("attacker.example:4566")!;
    expect(denial("json")).toMatchObject({ type: "AccessDeniedException", status: 403 });
    expect(denial("s3")).toMatchObject({ code: "AccessDenied", status: 403 });
  });

  it("checkOrigin: loopback and allowed origins pass with their origin, others are denied", () => {
    expect(policy.checkOrigin({ origin: "http://localhost:5173" })).toEqual({ origin: "http://localhost:5173" });
    expect(policy.checkOrigin({ origin: "https://app.example.test" })).toEqual({ origin: "https://app.example.test" });
    expect(policy.checkOrigin({})).toEqual({ origin: undefined });
    expect(typeof policy.checkOrigin({ origin: "http://app.example.test" })).toBe("function"); // another scheme
    expect(typeof policy.checkOrigin({ origin: "https://example.test.evil.example" })).toBe("function");
  });

  it("requireSignature: query parameters are a signature for S3 only", () => {
    const presigned = parseAuthentication({ method: "POST", url: "/2015-03-31/functions?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Flambda%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", headers: headerMap([]) });
    expect(policy.requireSignature(lambda, presigned)!("rest-json")).toMatchObject({ type: "MissingAuthenticationTokenException", status: 403 });
    expect(policy.requireSignature(s3, presigned)).toBeUndefined();
    expect(policy.requireSignature(s3, { kind: "none" })).toBeUndefined();
  });
});

describe("the request policy", () => {
  let stack: Stack;
  let host: string;
  beforeAll(async () => {
    stack = await startStack({ allowOrigins: ["https://app.example.test"], allowHosts: ["rekognito", "*.dev.example.test"] });
    host = new URL(stack.endpoint).host;
  });
  afterAll(() => stack.close());

  it("refuses the drive-by CreateFunction: a cross-site text/plain POST with the credential in the query string", async () => {
    const body = JSON.stringify({ FunctionName: "pwned", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: FUNCTION_ZIP } });
    const query = "?X-Amz-Credential=test%2F20260101%2Fus-east-1%2Flambda%2Faws4_request&X-Amz-Algorithm=AWS4-HMAC-SHA256";
    // From the attacker's page: refused for its origin, before anything runs.
    const crossSite = await raw(stack.endpoint, "POST", `/2015-03-31/functions${query}`, { host, origin: "https://evil.example", "content-type": "text/plain" }, body);
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers["access-control-allow-origin"]).toBeUndefined();
    expect(crossSite.body).toContain("https://evil.example");
    // Even from an allowed (loopback) page or a plain client: query parameters are no signature
    // outside S3, and Lambda answers as AWS's REST front does.
    const unsigned = await raw(stack.endpoint, "POST", `/2015-03-31/functions${query}`, { host, origin: "http://localhost:3000", "content-type": "text/plain" }, body);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
    expect(JSON.parse(unsigned.body)).toEqual({ message: "Missing Authentication Token" });
    const invoke = await raw(stack.endpoint, "POST", `/2015-03-31/functions/pwned/invocations${query}`, { host, "content-type": "text/plain" }, "{}");
    expect(invoke.status).toBe(403);
    // Nothing was created; the same request signed (as an SDK would) does create the function.
    const listed = await lambdaClient(stack).send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).not.toContain("pwned");
    const signed = await signedHeaders("lambda", { method: "POST", path: "/2015-03-31/functions", headers: { "content-type": "application/json" }, body, host });
    expect((await raw(stack.endpoint, "POST", "/2015-03-31/functions", signed, body)).status).toBe(201);
  });

  it("refuses unsigned calls to every signed JSON service with AWS's MissingAuthenticationTokenException", async () => {
    for (const target of ["RekognitionService.ListCollections", "DynamoDB_20120810.ListTables", "AWSCognitoIdentityProviderService.ListUserPools"]) {
      const res = await raw(stack.endpoint, "POST", "/", { host, "x-amz-target": target, "content-type": JSON_11 }, "{}");
      expect(res.status, target).toBe(400);
      expect(JSON.parse(res.body), target).toEqual({ __type: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token" });
    }
    const ses = await raw(stack.endpoint, "POST", "/v2/email/outbound-emails", { host, "content-type": "text/plain" }, "{}");
    expect(ses.status).toBe(403);
    expect(ses.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
  });

  it("refuses a DNS-rebinding Host on every route, even with a valid signature", async () => {
    const rebound = `attacker.example:${new URL(stack.endpoint).port}`;
    const health = await raw(stack.endpoint, "GET", "/_rekognito/health", { host: rebound });
    expect(health.status).toBe(403);
    expect(health.body).toContain("DNS rebinding");
    expect(health.body).toContain("--allow-host");
    const mailbox = await raw(stack.endpoint, "GET", "/_rekognito/mailbox", { host: rebound });
    expect(mailbox.status).toBe(403);
    expect(mailbox.body).not.toContain("messages");
    const body = "{}";
    const signed = await signedHeaders("rekognition", { method: "POST", path: "/", headers: { "x-amz-target": "RekognitionService.ListCollections", "content-type": JSON_11 }, body, host: rebound });
    const rekognition = await raw(stack.endpoint, "POST", "/", signed, body);
    expect(rekognition.status).toBe(403);
    expect(JSON.parse(rekognition.body).__type).toBe("AccessDeniedException");
    const s3 = await raw(stack.endpoint, "GET", "/", await signedHeaders("s3", { method: "GET", path: "/", headers: {}, host: rebound }));
    expect(s3.status).toBe(403);
    expect(s3.body).toContain("<Code>AccessDenied</Code>");
  });

  it("serves loopback names, IP addresses and the allowed hosts", async () => {
    const port = new URL(stack.endpoint).port;
    for (const name of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "photos.localhost", "10.0.0.7", "rekognito", "api.dev.example.test", "LOCALHOST"]) {
      const res = await raw(stack.endpoint, "GET", "/_rekognito/health", { host: `${name}:${port}` });
      expect(res.status, name).toBe(200);
    }
    for (const name of ["rekognito.attacker.example", "dev.example.test.attacker.example", "localhost.attacker.example"]) {
      expect((await raw(stack.endpoint, "GET", "/_rekognito/health", { host: `${name}:${port}` })).status, name).toBe(403);
    }
  });

  it("answers no disallowed origin: no preflight, no mailbox, no health, no ACAO anywhere", async () => {
    const origin = "https://evil.example";
    const preflight = await raw(stack.endpoint, "OPTIONS", "/", {
      host,
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-amz-target",
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    for (const path of ["/_rekognito/mailbox", "/_rekognito/health"]) {
      const res = await raw(stack.endpoint, "GET", path, { host, origin });
      expect(res.status, path).toBe(403);
      expect(res.headers["access-control-allow-origin"], path).toBeUndefined();
    }
    const bucketPreflight = await raw(stack.endpoint, "OPTIONS", "/photos/a.jpg", { host, origin, "access-control-request-method": "PUT" });
    expect(bucketPreflight.status).toBe(403);
    expect(bucketPreflight.headers["access-control-allow-origin"]).toBeUndefined();
    // An <img> or link from another site hides its Origin but says it is cross-site.
    const hidden = await raw(stack.endpoint, "GET", "/_rekognito/mailbox", { host, "sec-fetch-site": "cross-site", referer: "https://evil.example/page" });
    expect(hidden.status).toBe(403);
    const noReferer = await raw(stack.endpoint, "GET", "/_rekognito/mailbox", { host, "sec-fetch-site": "cross-site" });
    expect(noReferer.status).toBe(403);
    expect(noReferer.body).toContain("Sec-Fetch-Site");
  });

  it("answers loopback origins on any port, and origins allowed with --allow-origin, with their own origin echoed", async () => {
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:8080", "https://localhost:3443", "http://[::1]:9000", "http://app.localhost:1234", "http://localhost", "https://app.example.test"]) {
      const preflight = await raw(stack.endpoint, "OPTIONS", "/", {
        host,
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-amz-target,x-amz-user-agent",
      });
      expect(preflight.status, origin).toBe(204);
      expect(preflight.headers["access-control-allow-origin"], origin).toBe(origin);
      expect(preflight.headers["access-control-allow-headers"], origin).toContain("x-amz-target");
      expect(String(preflight.headers["vary"]), origin).toContain("Origin");
      const mailbox = await raw(stack.endpoint, "GET", "/_rekognito/mailbox", { host, origin });
      expect(mailbox.status, origin).toBe(200);
      expect(mailbox.headers["access-control-allow-origin"], origin).toBe(origin);
      expect(String(mailbox.headers["access-control-expose-headers"]), origin).toContain("x-amzn-errortype");
    }
    // A page of an allowed origin linking here (no Origin, cross-site) is known by its Referer.
    const linked = await raw(stack.endpoint, "GET", "/_rekognito/health", { host, "sec-fetch-site": "cross-site", referer: "https://app.example.test/login" });
    expect(linked.status).toBe(200);
    expect((await raw(stack.endpoint, "GET", "/_rekognito/health", { host, origin: "https://other.example.test" })).status).toBe(403);
    expect((await raw(stack.endpoint, "GET", "/_rekognito/health", { host, origin: "null" })).status).toBe(403);
  });

  it("serves Cognito's public actions unsigned to a loopback page, and refuses its admin actions unsigned", async () => {
    const config = sdkConfig(stack.endpoint);
    const cognito = new CognitoIdentityProviderClient(config);
    const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: "browser" }))).UserPool!;
    const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: "web" }))).UserPoolClient!;
    const origin = "http://localhost:5173";
    const call = (action: string, input: unknown) =>
      raw(stack.endpoint, "POST", "/", { host, origin, "x-amz-target": `AWSCognitoIdentityProviderService.${action}`, "content-type": JSON_11 }, JSON.stringify(input));
    const signUp = await call("SignUp", { ClientId: client.ClientId, Username: "ana@example.com", Password: "Passw0rd!Passw0rd", UserAttributes: [{ Name: "email", Value: "ana@example.com" }] });
    expect(signUp.status).toBe(200);
    expect(JSON.parse(signUp.body).UserSub).toBeTruthy();
    expect(signUp.headers["access-control-allow-origin"]).toBe(origin);
    const initiate = await call("InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", ClientId: client.ClientId, AuthParameters: { USERNAME: "ana@example.com", PASSWORD: "x" } });
    // Cognito's own answer (this app client does not enable the flow), not the policy's.
    expect(initiate.status).toBe(400);
    expect(JSON.parse(initiate.body).__type).toBe("InvalidParameterException");
    const admin = await call("AdminGetUser", { UserPoolId: pool.Id, Username: "ana@example.com" });
    expect(admin.status).toBe(400);
    expect(JSON.parse(admin.body).__type).toBe("MissingAuthenticationTokenException");
    // The admin action works signed.
    expect((await cognito.send(new AdminGetUserCommand({ UserPoolId: pool.Id!, Username: "ana@example.com" }))).Username).toBeTruthy();
  });

  it("lets a loopback page upload to a bucket without CORS rules, and lets its rules decide for allowed origins", async () => {
    const s3 = new S3Client(s3Config(stack.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: "browser-uploads" }));
    const preflight = await raw(stack.endpoint, "OPTIONS", "/browser-uploads/photo.jpg", {
      host,
      origin: "http://localhost:5173",
      "access-control-request-method": "PUT",
      "access-control-request-headers": "content-type",
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(preflight.headers["access-control-allow-methods"]).toContain("PUT");
    const body = "photo";
    const put = await raw(
      stack.endpoint,
      "PUT",
      "/browser-uploads/photo.jpg",
      { ...(await signedHeaders("s3", { method: "PUT", path: "/browser-uploads/photo.jpg", headers: { "content-type": "image/jpeg" }, body, host })), origin: "http://localhost:5173" },
      body,
    );
    expect(put.status).toBe(200);
    expect(put.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(String(put.headers["access-control-expose-headers"])).toContain("etag");
    await s3.send(new PutObjectCommand({ Bucket: "browser-uploads", Key: "other.jpg", Body: "x" }));
  });
});

describe("the Compose file's allow list", () => {
  // rekognito in Compose binds 0.0.0.0 and is reached as localhost:4567 from the host and by its
  // service name from LocalStack and other containers: REKOGNITO_ALLOW_HOSTS there must cover it.
  const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8"));
  const env = compose.services.rekognito.environment as Record<string, string>;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ host: env.HOST, allowHosts: (env.REKOGNITO_ALLOW_HOSTS ?? "").split(",") });
  });
  afterAll(() => stack.close());

  it("answers localhost and the service name, and refuses other names", async () => {
    const port = new URL(stack.endpoint).port;
    for (const name of ["localhost", "rekognito", "host.docker.internal"]) {
      expect((await raw(stack.endpoint, "GET", "/_rekognito/health", { host: `${name}:${port}` })).status, name).toBe(200);
    }
    expect((await raw(stack.endpoint, "GET", "/_rekognito/health", { host: `attacker.example:${port}` })).status).toBe(403);
  });

  it("lets signed SDK calls through under that name", async () => {
    const rekognition = new RekognitionClient(sdkConfig(stack.endpoint));
    expect((await rekognition.send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
  });
});

describe("the CLI's options", () => {
  // server/cli.ts as a user starts it: flags and their environment variables reach the policy.
  let child: ChildProcess;
  let endpoint: string;
  let dir: string;
  let banner = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rekognito-cli-policy-"));
    const file = join(dir, "credentials");
    writeFileSync(file, "[ci]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = file/secret\n");
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    const args = ["--import", "tsx", "server/cli.ts", "--bare", "--ephemeral", "--port", String(port), "--allow-origin", "https://app.example.test", "--credentials", "AKIAFLAG:flag/secret", "--credentials-file", file, "--strict-credentials"];
    child = spawn(process.execPath, args, {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, REKOGNITO_ALLOW_HOSTS: "rekognito", REKOGNITO_ALLOW_ORIGINS: "https://second.example.test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${banner}`)), 60_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        banner += chunk.toString("utf8");
        if (banner.includes("/_rekognito/health")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}: ${banner}`)));
    });
  });
  afterAll(() => {
    child?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("says in its banner what it verifies and whom it serves", () => {
    expect(banner).toContain("signatures verified for 4 known keys, other keys refused (--strict-credentials)");
    expect(banner).toContain("browser origins: loopback, https://app.example.test, https://second.example.test");
  });

  it("serves --allow-origin, REKOGNITO_ALLOW_ORIGINS and REKOGNITO_ALLOW_HOSTS, and nothing else", async () => {
    const port = new URL(endpoint).port;
    for (const origin of ["https://app.example.test", "https://second.example.test"]) {
      expect((await raw(endpoint, "GET", "/_rekognito/health", { host: `127.0.0.1:${port}`, origin })).status, origin).toBe(200);
    }
    expect((await raw(endpoint, "GET", "/_rekognito/health", { host: `127.0.0.1:${port}`, origin: "https://third.example.test" })).status).toBe(403);
    expect((await raw(endpoint, "GET", "/_rekognito/health", { host: `rekognito:${port}` })).status).toBe(200);
    expect((await raw(endpoint, "GET", "/_rekognito/health", { host: `elsewhere:${port}` })).status).toBe(403);
  });

  it("verifies --credentials and --credentials-file keys, and refuses unknown ones under --strict-credentials", async () => {
    const list = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new RekognitionClient({ endpoint, region: "us-east-1", credentials }).send(new ListCollectionsCommand({})).then(
        () => "ok",
        (e: Error) => e.name,
      );
    expect(await list({ accessKeyId: "AKIAFLAG", secretAccessKey: "flag/secret" })).toBe("ok");
    expect(await list({ accessKeyId: "AKIAFROMFILE", secretAccessKey: "file/secret" })).toBe("ok");
    expect(await list({ accessKeyId: "AKIAFROMFILE", secretAccessKey: "wrong" })).toBe("InvalidSignatureException");
    expect(await list({ accessKeyId: "AKIANOBODY", secretAccessKey: "x" })).toBe("UnrecognizedClientException");
  });
});
