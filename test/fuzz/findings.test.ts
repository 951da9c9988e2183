import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { startStack } from "../../server/stack.js";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";
import { injectTransport } from "./harness.js";
import { Random } from "./lib/random.js";
import { cognito } from "./lib/services.js";
import { requestOf, sign } from "./lib/wire.js";
import { s3Config } from "../support/clients.js";

// One test per fault the fuzz suite found and rekognito fixed, with the input that found it, so
// it stays fixed whatever seed the suite runs with.
let app: App;
beforeAll(async () => {
  app = await buildApp({ ephemeral: true, logger: silentLogger });
});
afterAll(() => app.close());

async function send(operation: string, input: Record<string, unknown>) {
  const request = requestOf(cognito, operation, input, "finding", new Random(1));
  const answer = await injectTransport(app)(request, await sign(cognito, request, "127.0.0.1"));
  return { status: answer.status, body: JSON.parse(answer.body.toString("utf8")) as { __type: string; message: string } };
}

describe("faults the fuzzer found", () => {
  it("bad percent-encoding under any of Lambda's API versions answers Lambda's JSON, not S3's XML", async () => {
    for (const path of ["/2020-04-22/code-signing-configs/%ED%A0%80", "/2015-03-31/functions/%/configuration", "/2017-03-31/tags/%zz"]) {
      const res = await app.fastify.inject({ method: "GET", url: path, headers: { host: "127.0.0.1" } });
      expect(res.statusCode, path).toBe(400);
      expect(res.headers["x-amzn-errortype"], path).toBe("ValidationException");
      expect(res.json(), path).toEqual(expect.objectContaining({ message: expect.stringContaining("percent-encoding") }));
    }
  });

  it("a null member of a list (AdminCreateUser's UserAttributes: [null]) is a validation error, not a 500", async () => {
    const pool = await send("CreateUserPool", { PoolName: "nulls" });
    expect(pool.status).toBe(200);
    const poolId = (pool.body as unknown as { UserPool: { Id: string } }).UserPool.Id;
    const res = await send("AdminCreateUser", { UserPoolId: poolId, Username: "u", UserAttributes: [null] });
    expect(res).toEqual({
      status: 400,
      body: {
        __type: "InvalidParameterException",
        message: "1 validation error detected: Value null at 'userAttributes.1.member' failed to satisfy constraint: Member must not be null",
      },
    });
  });

  it("CreateUserPool with a Schema attribute that has no Name: InvalidParameterException, not a 500", async () => {
    const res = await send("CreateUserPool", { PoolName: "p", Schema: [{ AttributeDataType: "String" }] });
    expect(res).toEqual({
      status: 400,
      body: {
        __type: "InvalidParameterException",
        message: "1 validation error detected: Value null at 'schema.1.member.name' failed to satisfy constraint: Member must not be null",
      },
    });
  });

  it("a response-* override S3 cannot send as a header (a control character, an emoji) is InvalidArgument, not a 500", async () => {
    const stack = await startStack();
    try {
      const s3 = new S3Client(s3Config(stack.endpoint));
      await s3.send(new CreateBucketCommand({ Bucket: "overrides" }));
      await s3.send(new PutObjectCommand({ Bucket: "overrides", Key: "k", Body: "x" }));
      for (const value of ["attachment\u0001", "inline; filename=\u{1F600}.jpg", "a\nb"]) {
        const error = await s3.send(new GetObjectCommand({ Bucket: "overrides", Key: "k", ResponseContentDisposition: value })).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, JSON.stringify(value)).toBeInstanceOf(S3ServiceException);
        expect((error as S3ServiceException).name).toBe("InvalidArgument");
        expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(400);
        const head = await s3.send(new HeadObjectCommand({ Bucket: "overrides", Key: "k", ResponseContentType: value })).then(
          () => 200,
          (e: S3ServiceException) => e.$metadata.httpStatusCode,
        );
        expect(head, JSON.stringify(value)).toBe(400);
      }
      // Latin-1 text is a header S3 can send: it comes back as given.
      const ok = await s3.send(new GetObjectCommand({ Bucket: "overrides", Key: "k", ResponseContentDisposition: "attachment; filename=caf\u00e9.txt" }));
      expect(ok.$metadata.httpStatusCode).toBe(200);
      expect(await ok.Body!.transformToString()).toBe("x");
    } finally {
      await stack.close();
    }
  });
});
