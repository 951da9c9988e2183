import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListCollectionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startStack, type Stack } from "../../server/stack.js";
import { ManualClock } from "../../server/core/clock.js";
import {
  headerMap,
  parseAuthentication,
  parseCredentials,
  signingKey,
  verifyChunkSignatures,
  verifySignature,
  type SigV4Authentication,
} from "../../server/protocol/sigv4.js";
import { signedHeaders } from "../support/sign.js";
import { TEST_CREDENTIALS } from "../support/credentials.js";
import { failure } from "../support/failure.js";
import { ROLE, zipOf } from "../lambda/helpers.js";

const run = promisify(execFile);
type Credentials = { accessKeyId: string; secretAccessKey: string };
const config = (stack: Stack, credentials: Credentials = TEST_CREDENTIALS) => ({ endpoint: stack.endpoint, region: "us-east-1", credentials });


/** A client whose requests leave signed, then have one hex digit of the signature changed. */
function tampered<C extends { middlewareStack: { add: (...args: any[]) => void } }>(client: C): C {
  client.middlewareStack.add(
    (next: (args: any) => Promise<unknown>) => async (args: { request: { headers: Record<string, string> } }) => {
      const h = args.request.headers;
      h.authorization = h.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === "0" ? "1" : "0"}`);
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "tamperSignature" },
  );
  return client;
}

describe("SigV4 verification, by AWS's own test vectors", () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: a 66560-byte object of
  // "a", uploaded in a 64 KiB chunk and a 1 KiB chunk, signed with AWS's documentation key.
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const headers = {
    Host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    Authorization:
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "Content-Encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "Content-Length": "66824",
  };
  const wire = { method: "PUT", url: "/examplebucket/chunkObject.txt", headers: headerMap(Object.entries(headers).flat()) };
  const body = Buffer.concat([
    Buffer.from("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"),
    Buffer.alloc(65536, "a"),
    Buffer.from("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"),
    Buffer.alloc(1024, "a"),
    Buffer.from("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"),
  ]);

  it("verifies the seed signature and every chunk signature", () => {
    const auth = parseAuthentication(wire) as SigV4Authentication;
    expect(auth).toMatchObject({ kind: "sigv4", via: "header", accessKeyId: "AKIAIOSFODNN7EXAMPLE", region: "us-east-1", service: "s3" });
    const result = verifySignature(wire, auth, secret, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    expect(result.ok).toBe(true);
    expect(verifyChunkSignatures(body, auth, signingKey(secret, "20130524", "us-east-1", "s3"))).toBe(true);
  });

  it("refuses a changed byte, a changed header, another secret, and chunks reordered", () => {
    const auth = parseAuthentication(wire) as SigV4Authentication;
    const key = signingKey(secret, "20130524", "us-east-1", "s3");
    const changedData = Buffer.from(body);
    changedData[200] = "b".charCodeAt(0);
    expect(verifyChunkSignatures(changedData, auth, key)).toBe(false);
    expect(verifySignature({ ...wire, headers: headerMap(Object.entries({ ...headers, "x-amz-storage-class": "STANDARD" }).flat()) }, auth, secret, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD").ok).toBe(false);
    expect(verifySignature(wire, auth, "another-secret", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD").ok).toBe(false);
    const second = body.indexOf("\r\n400;");
    const swapped = Buffer.concat([Buffer.from("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"), Buffer.alloc(1024, "a"), Buffer.from("\r\n"), body.subarray(0, second + 2)]);
    expect(verifyChunkSignatures(swapped, auth, key)).toBe(false);
  });

  it("reads configured keys as id:secret pairs or an AWS shared credentials file", () => {
    expect(parseCredentials("alice:s3cr/et+1, bob:other", "--credentials")).toEqual([
      { accessKeyId: "alice", secretAccessKey: "s3cr/et+1" },
      { accessKeyId: "bob", secretAccessKey: "other" },
    ]);
    const ini = "[default]\naws_access_key_id = AKIAAAA\naws_secret_access_key = abc/def\nregion = eu-west-1\n\n[ci]\naws_access_key_id=AKIABBB\naws_secret_access_key=xyz\n";
    expect(parseCredentials(ini, "file")).toEqual([
      { accessKeyId: "AKIAAAA", secretAccessKey: "abc/def" },
      { accessKeyId: "AKIABBB", secretAccessKey: "xyz" },
    ]);
    expect(() => parseCredentials("no-secret-here", "--credentials")).toThrow(/expected id:secret/);
  });
});

describe("signatures through the real SDK clients", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ credentials: [{ accessKeyId: "AKIACONFIGURED", secretAccessKey: "configured/secret" }] });
    await new S3Client({ ...config(stack), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: "signed" }));
  });
  afterAll(() => stack.close());

  it("serves requests signed with the test pair, AWS's documentation pair and a configured key", async () => {
    for (const credentials of [TEST_CREDENTIALS, { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, { accessKeyId: "AKIACONFIGURED", secretAccessKey: "configured/secret" }]) {
      expect((await new RekognitionClient(config(stack, credentials)).send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
      const s3 = new S3Client({ ...config(stack, credentials), forcePathStyle: true });
      // Keys the SDKs encode (space, +, %, unicode, reserved marks) sign as S3 signs: path encoded once.
      const key = `dir/a b+c%d ü~!'()*${credentials.accessKeyId}.txt`;
      await s3.send(new PutObjectCommand({ Bucket: "signed", Key: key, Body: "body" }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket: "signed", Key: key }))).Body!.transformToString()).toBe("body");
    }
  });

  it("refuses a tampered signature made with a known key, with each service's AWS error", async () => {
    const rekognition = await failure(tampered(new RekognitionClient(config(stack))).send(new ListCollectionsCommand({})));
    expect(rekognition.name).toBe("InvalidSignatureException");
    expect(rekognition.$metadata.httpStatusCode).toBe(400);
    expect(rekognition.message).toMatch(/^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\./);
    const dynamodb = await failure(tampered(new DynamoDBClient({ ...config(stack), maxAttempts: 1 })).send(new ListTablesCommand({})));
    expect(dynamodb.name).toBe("InvalidSignatureException");
    const lambda = await failure(tampered(new LambdaClient(config(stack))).send(new ListFunctionsCommand({})));
    expect(lambda.name).toBe("InvalidSignatureException");
    expect(lambda.$metadata.httpStatusCode).toBe(403);
    const s3 = await failure(tampered(new S3Client({ ...config(stack), forcePathStyle: true })).send(new ListBucketsCommand({})));
    expect(s3.name).toBe("SignatureDoesNotMatch");
    expect(s3.$metadata.httpStatusCode).toBe(403);
    expect(s3.message).toBe("The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    // A wrong secret for a known key is the same refusal, and a tampered upload stores nothing.
    const wrongSecret = new S3Client({ ...config(stack, { accessKeyId: "AKIACONFIGURED", secretAccessKey: "guessed" }), forcePathStyle: true });
    expect((await failure(wrongSecret.send(new PutObjectCommand({ Bucket: "signed", Key: "overwrite.txt", Body: "evil" })))).name).toBe("SignatureDoesNotMatch");
    expect((await failure(new S3Client({ ...config(stack), forcePathStyle: true }).send(new GetObjectCommand({ Bucket: "signed", Key: "overwrite.txt" })))).name).toBe("NoSuchKey");
  });

  it("accepts a key it does not know, unchecked, as rekognito always has", async () => {
    const anyKey = { accessKeyId: "AKIASOMEONEELSE", secretAccessKey: "whatever" };
    expect((await new RekognitionClient(config(stack, anyKey)).send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
    const s3 = new S3Client({ ...config(stack, anyKey), forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: "signed", Key: "any-key.txt", Body: "ok" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "signed", Key: "any-key.txt" }))).Body!.transformToString()).toBe("ok");
  });

  it("signs Lambda's paths encoded twice, as every service but S3 does (a function named by its ARN)", async () => {
    const lambda = new LambdaClient(config(stack));
    const created = await lambda.send(
      new CreateFunctionCommand({ FunctionName: "by-arn", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipOf({ "index.js": "exports.handler = async () => 1;" }) } }),
    );
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: created.FunctionArn! }))).Configuration?.FunctionName).toBe("by-arn");
  });

  it("refuses known keys' incomplete signatures as AWS words it", async () => {
    const host = new URL(stack.endpoint).host;
    const body = "{}";
    const base = { "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" };
    const good = await signedHeaders("rekognition", { method: "POST", path: "/", headers: base, body, host });
    const post = (headers: Record<string, string>) => fetch(`${stack.endpoint}/`, { method: "POST", headers, body });
    const { ["x-amz-date"]: date, ...noDate } = good;
    const missingDate = await post(noDate);
    expect(missingDate.status).toBe(400);
    const missing = await missingDate.json();
    expect(missing.__type).toBe("IncompleteSignatureException");
    expect(missing.message).toContain("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const otherDay = await post({ ...good, "x-amz-date": date!.replace(/^\d{8}/, "20200101") });
    expect(await otherDay.json()).toEqual({
      __type: "InvalidSignatureException",
      message: expect.stringMatching(/^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\d{8}' != '20200101'/),
    });
    // S3 needs x-amz-content-sha256 for a header signature.
    const s3 = await signedHeaders("s3", { method: "GET", path: "/signed", headers: {}, host });
    const { ["x-amz-content-sha256"]: _sha, ...noSha } = s3;
    const res = await fetch(`${stack.endpoint}/signed`, { headers: noSha });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Missing required header for this request: x-amz-content-sha256");
  });
});

describe("presigned URLs", () => {
  const clock = new ManualClock(Date.now());
  let stack: Stack;
  let s3: S3Client;
  beforeAll(async () => {
    stack = await startStack({ clock });
    s3 = new S3Client({ ...config(stack), forcePathStyle: true });
    for (const Bucket of ["uploads", "other-bucket"]) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutObjectCommand({ Bucket, Key: "doc.jpg", Body: `original in ${Bucket}` }));
    }
  });
  afterAll(() => stack.close());

  const text = async (res: Response) => ({ status: res.status, body: await res.text() });
  const codeOf = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

  it("serves a presigned GET and PUT made with the test key", async () => {
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "uploads", Key: "doc.jpg" }), { expiresIn: 300 });
    expect(await text(await fetch(get))).toEqual({ status: 200, body: "original in uploads" });
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "uploads", Key: "selfie.jpg" }), { expiresIn: 300 });
    expect((await fetch(put, { method: "PUT", body: "selfie" })).status).toBe(200);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "selfie.jpg" }))).Body!.transformToString()).toBe("selfie");
  });

  it("is valid only for its method, bucket, key and expiry, and only with its signature", async () => {
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "uploads", Key: "challenge-1.jpg" }), { expiresIn: 300 });
    const url = new URL(put);
    const tries: [string, string, string][] = [
      ["another method", "DELETE", put],
      ["another bucket", "PUT", put.replace("/uploads/", "/other-bucket/")],
      ["another key", "PUT", put.replace("/challenge-1.jpg", "/doc.jpg")],
      ["a moved expiry", "PUT", put.replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=604800")],
      ["a garbage signature", "PUT", put.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${"ab".repeat(32)}`)],
    ];
    for (const [what, method, target] of tries) {
      const res = await text(await fetch(target, { method, body: method === "PUT" ? "attacker" : undefined }));
      expect(res.status, what).toBe(403);
      expect(codeOf(res.body), what).toBe("SignatureDoesNotMatch");
    }
    url.searchParams.delete("X-Amz-Signature");
    const unsigned = await text(await fetch(url, { method: "PUT", body: "attacker" }));
    expect(unsigned.status).toBe(400);
    expect(codeOf(unsigned.body)).toBe("AuthorizationQueryParametersError");
    // Nothing was written anywhere.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "other-bucket", Key: "doc.jpg" }))).Body!.transformToString()).toBe("original in other-bucket");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "doc.jpg" }))).Body!.transformToString()).toBe("original in uploads");
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "challenge-1.jpg" })))).name).toBe("NoSuchKey");
    // The URL itself still works.
    expect((await fetch(put, { method: "PUT", body: "mine" })).status).toBe(200);
  });

  it("expires by the stack's clock: AccessDenied, Request has expired", async () => {
    // The presigner signs with the real time; the stack's clock is moved past the URL's expiry.
    const signedAt = Date.now();
    clock.set(signedAt);
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "uploads", Key: "doc.jpg" }), { expiresIn: 60 });
    expect((await fetch(get)).status).toBe(200);
    clock.set(signedAt + 62_000);
    const res = await text(await fetch(get));
    expect(res.status).toBe(403);
    expect(codeOf(res.body)).toBe("AccessDenied");
    expect(res.body).toContain("<Message>Request has expired</Message>");
    clock.set(Date.now());
  });

  it("verifies the URLs the stack's own Lambdas presign with the credentials the runner gives them", async () => {
    const lambda = new LambdaClient(config(stack));
    const handler = [
      "const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');",
      "const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');",
      "exports.handler = async (e) => ({ url: await getSignedUrl(new S3Client({ forcePathStyle: true }), new PutObjectCommand({ Bucket: e.bucket, Key: e.key }), { expiresIn: 300 }) });",
    ].join("\n");
    await lambda.send(new CreateFunctionCommand({ FunctionName: "presigner", Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Timeout: 30, Code: { ZipFile: zipOf({ "index.js": handler }) } }));
    const out = await lambda.send(new InvokeCommand({ FunctionName: "presigner", Payload: JSON.stringify({ bucket: "uploads", key: "from-lambda.jpg" }) }));
    const { url } = JSON.parse(Buffer.from(out.Payload!).toString("utf8")) as { url: string };
    expect(new URL(url).searchParams.get("X-Amz-Credential")).toMatch(/^test\//);
    expect((await fetch(url.replace("/from-lambda.jpg", "/doc.jpg"), { method: "PUT", body: "x" })).status).toBe(403);
    expect((await fetch(url, { method: "PUT", body: "from the browser" })).status).toBe(200);
    await s3.send(new DeleteObjectCommand({ Bucket: "uploads", Key: "from-lambda.jpg" }));
  });
});

describe("--strict-credentials", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ strictCredentials: true });
  });
  afterAll(() => stack.close());

  it("refuses keys it does not know, as AWS refuses them", async () => {
    const anyKey = { accessKeyId: "AKIASOMEONEELSE", secretAccessKey: "whatever" };
    const rekognition = await failure(new RekognitionClient(config(stack, anyKey)).send(new ListCollectionsCommand({})));
    expect(rekognition.name).toBe("UnrecognizedClientException");
    expect(rekognition.message).toBe("The security token included in the request is invalid.");
    expect(rekognition.$metadata.httpStatusCode).toBe(400);
    const lambda = await failure(new LambdaClient(config(stack, anyKey)).send(new ListFunctionsCommand({})));
    expect(lambda.name).toBe("UnrecognizedClientException");
    const s3 = await failure(new S3Client({ ...config(stack, anyKey), forcePathStyle: true }).send(new ListBucketsCommand({})));
    expect(s3.name).toBe("InvalidAccessKeyId");
    expect(s3.$metadata.httpStatusCode).toBe(403);
    // The test pair is still known.
    expect((await new RekognitionClient(config(stack)).send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
  });

  it("refuses a request signed more than 15 minutes off its clock", async () => {
    const skewed = await startStack({ strictCredentials: true, clock: new ManualClock(Date.now() + 60 * 60 * 1000) });
    try {
      const host = new URL(skewed.endpoint).host;
      const body = "{}";
      const headers = await signedHeaders("rekognition", { method: "POST", path: "/", headers: { "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" }, body, host });
      const json = await fetch(`${skewed.endpoint}/`, { method: "POST", headers, body });
      expect(json.status).toBe(400);
      expect(await json.json()).toEqual({ __type: "InvalidSignatureException", message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/) });
      const s3 = await fetch(`${skewed.endpoint}/`, { headers: await signedHeaders("s3", { method: "GET", path: "/", headers: {}, host }) });
      expect(s3.status).toBe(403);
      expect(await s3.text()).toContain("<Code>RequestTimeTooSkewed</Code>");
    } finally {
      await skewed.close();
    }
  });
});

describe("--accept-any-credentials", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ acceptAnyCredentials: true });
  });
  afterAll(() => stack.close());

  it("checks no signature, but still wants one where AWS does", async () => {
    expect((await tampered(new RekognitionClient(config(stack))).send(new ListCollectionsCommand({}))).CollectionIds).toEqual([]);
    const unsigned = await fetch(`${stack.endpoint}/2015-03-31/functions`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(unsigned.status).toBe(403);
  });
});

const cliMissing = spawnSync("aws", ["--version"], { encoding: "utf8" }).status !== 0;
if (cliMissing) console.log("[skip] AWS CLI v1: `aws` is not on the PATH");

describe.skipIf(cliMissing)("the AWS CLI (botocore signs differently)", () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), "rekognito-cli-"));
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const aws = (args: string[], secret = "test") =>
    run("aws", args, {
      timeout: 60_000,
      env: {
        PATH: process.env.PATH!,
        HOME: dir,
        AWS_ENDPOINT_URL: stack.endpoint,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
    });

  it("verifies its signatures: s3 mb, cp up and down, dynamodb list-tables; refuses a wrong secret", async () => {
    await aws(["s3", "mb", "s3://cli-bucket"]);
    const file = join(dir, "photo one.txt");
    writeFileSync(file, "from the CLI");
    await aws(["s3", "cp", file, "s3://cli-bucket/dir/photo one+1.txt"]);
    await aws(["s3", "cp", "s3://cli-bucket/dir/photo one+1.txt", join(dir, "back.txt")]);
    expect(readFileSync(join(dir, "back.txt"), "utf8")).toBe("from the CLI");
    expect(JSON.parse((await aws(["dynamodb", "list-tables"])).stdout)).toEqual({ TableNames: [] });
    const wrong = await aws(["dynamodb", "list-tables"], "not-the-secret").then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(wrong).toContain("InvalidSignatureException");
    const wrongS3 = await aws(["s3", "ls", "s3://cli-bucket"], "not-the-secret").then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(wrongS3).toContain("SignatureDoesNotMatch");
  });
});
