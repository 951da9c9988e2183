import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";
import { loadModel } from "../../server/protocol/model.js";
import { RestRoutes } from "../../server/protocol/rest-routes.js";

// Lambda's and SES's operations are matched from their models' request URIs by one route per
// prefix (server/protocol/rest-routes.ts), with the router's rules: these are the cases a
// client relies on, from the real models.
describe("REST operations matched from the model", () => {
  const lambda = new RestRoutes(loadModel("lambda"), { trailingSlash: true });
  const ses = new RestRoutes(loadModel("sesv2"), { prefixes: ["/v2/email"] });
  const match = (routes: RestRoutes, method: string, path: string, query: Record<string, string> = {}) => routes.match(method, path, query);

  it("prefers a literal segment to a label: GetFunctionConfiguration, not GetFunction with a longer name", () => {
    expect(match(lambda, "GET", "/2015-03-31/functions/my-fn/configuration")).toEqual({ name: "GetFunctionConfiguration", params: { FunctionName: "my-fn" } });
    expect(match(lambda, "GET", "/2015-03-31/functions/my-fn")).toEqual({ name: "GetFunction", params: { FunctionName: "my-fn" } });
    expect(match(lambda, "POST", "/2015-03-31/functions/my-fn/invocations")).toMatchObject({ name: "Invoke" });
  });

  it("answers a path with a trailing slash as the path (the AWS CLI v2's ListFunctions), for Lambda only", () => {
    expect(match(lambda, "GET", "/2015-03-31/functions/")).toMatchObject({ name: "ListFunctions" });
    expect(match(lambda, "GET", "/2015-03-31/functions")).toMatchObject({ name: "ListFunctions" });
    expect(match(lambda, "GET", "/2015-03-31/functions/my-fn/configuration/")).toMatchObject({ name: "GetFunctionConfiguration" });
    expect(match(ses, "POST", "/v2/email/outbound-emails")).toMatchObject({ name: "SendEmail" });
    expect(match(ses, "POST", "/v2/email/outbound-emails/")).toBeUndefined();
  });

  it("tells apart operations on one path by the literal in their URI's query", () => {
    expect(match(lambda, "GET", "/2018-10-31/layers", { find: "LayerVersion", Arn: "arn" })).toMatchObject({ name: "GetLayerVersionByArn" });
    expect(match(lambda, "GET", "/2018-10-31/layers")).toMatchObject({ name: "ListLayers" });
    expect(match(lambda, "GET", "/2019-09-30/functions/f/provisioned-concurrency", { List: "ALL" })).toMatchObject({ name: "ListProvisionedConcurrencyConfigs" });
    expect(match(lambda, "GET", "/2019-09-30/functions/f/provisioned-concurrency", { Qualifier: "1" })).toMatchObject({ name: "GetProvisionedConcurrencyConfig" });
  });

  it("percent-decodes labels, matches no empty label, answers HEAD as GET and nothing else unknown", () => {
    expect(match(lambda, "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af")?.params).toEqual({
      FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:f",
    });
    expect(match(lambda, "GET", "/2015-03-31/functions//configuration")).toBeUndefined();
    expect(match(lambda, "HEAD", "/2015-03-31/functions/f")).toMatchObject({ name: "GetFunction" });
    expect(match(lambda, "PATCH", "/2015-03-31/functions/f")).toBeUndefined();
    expect(match(lambda, "GET", "/2015-03-31/functions/f/configuration/extra")).toBeUndefined();
    expect(() => match(lambda, "GET", "/2015-03-31/functions/%E0%A4%A")).toThrow(URIError);
    // One route per API version Lambda's operations live under.
    expect(lambda.prefixes).toEqual(expect.arrayContaining(["/2015-03-31", "/2018-10-31", "/2019-09-30"]));
    for (const prefix of lambda.prefixes) expect(prefix).toMatch(/^\/\d{4}-\d{2}-\d{2}$/);
    expect(ses.prefixes).toEqual(["/v2/email"]);
  });
});

describe("an operation's own body limit, on the one route", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
  });
  afterAll(() => app.close());

  // Signed with a key the stack does not know: accepted unverified, as any SDK's would be.
  const signed = {
    authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7BENCHXX/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64),
    "x-amz-date": "20260101T000000Z",
  };

  it("refuses an Invoke body over 6 MB sent without a Content-Length as soon as it passes the limit (413)", async () => {
    const chunk = Buffer.alloc(1024 * 1024, "x");
    let sent = 0;
    const body = new Readable({
      read() {
        sent++;
        this.push(sent <= 64 ? chunk : null);
      },
    });
    const res = await app.fastify.inject({ method: "POST", url: "/2015-03-31/functions/f/invocations", headers: { ...signed, "transfer-encoding": "chunked" }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(res.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException");
    expect(res.json()).toMatchObject({ message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation" });
    // Read no further than the limit (and the chunks in flight), never the whole 64 MB.
    expect(sent).toBeLessThan(16);
  });

  it("answers an unknown path under a prefix UnknownOperationException, and a known one normally", async () => {
    const unknown = await app.fastify.inject({ method: "GET", url: "/2015-03-31/no-such-thing", headers: signed });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers["x-amzn-errortype"]).toBe("UnknownOperationException");
    const list = await app.fastify.inject({ method: "GET", url: "/2015-03-31/functions/", headers: signed });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ Functions: [] });
  });

  it("leaves a path whose first segment is no Lambda API version to S3, a bucket named like a date included", async () => {
    const s3Signed = { ...signed, authorization: signed.authorization.replace("/lambda/", "/s3/"), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
    const created = await app.fastify.inject({ method: "PUT", url: "/2099-01-01", headers: s3Signed });
    expect(created.statusCode).toBe(200);
    const missing = await app.fastify.inject({ method: "GET", url: "/2099-01-01/2015-03-31/functions", headers: s3Signed });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain("<Code>NoSuchKey</Code>");
  });
});
