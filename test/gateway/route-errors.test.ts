import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";

// Requests the router refuses before any route runs (a path it cannot decode, a path segment
// too long) answer in the format of the service their path belongs to: an SDK reads each
// service's errors its own way, and a JSON answer on an S3 route (or XML on Lambda's) is
// unreadable to it.
describe("errors before routing, in each service's format", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
  });
  afterAll(() => app.close());

  const s3Error = (body: string, code: string) => {
    expect(body).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>${code}</Code><Message>`));
    expect(body).toMatch(/<RequestId>[0-9A-F]+<\/RequestId><HostId>/);
  };

  it("answers a path-style bucket name of 5,000 characters with S3's InvalidBucketName, in XML", async () => {
    const name = "A".repeat(5000);
    for (const method of ["DELETE", "GET", "PUT", "HEAD"] as const) {
      const res = await app.fastify.inject({ method, url: `/${name}` });
      expect(res.statusCode).toBe(400);
      if (method === "HEAD") {
        expect(res.body).toBe("");
        continue;
      }
      expect(res.headers["content-type"]).toBe("application/xml");
      s3Error(res.body, "InvalidBucketName");
      expect(res.body).toContain(`<BucketName>${name}</BucketName>`);
    }
  });

  it("answers a 5,000-character key under a virtual-host bucket with S3's KeyTooLongError", async () => {
    const res = await app.fastify.inject({ method: "DELETE", url: `/${"k".repeat(5000)}`, headers: { host: "photos.localhost:4566" } });
    expect(res.statusCode).toBe(400);
    s3Error(res.body, "KeyTooLongError");
    expect(res.body).toContain("<MaxSizeAllowed>1024</MaxSizeAllowed><Size>5000</Size>");
  });

  it("answers bad percent-encoding on S3's routes with S3's InvalidURI", async () => {
    const res = await app.fastify.inject({ method: "GET", url: "/photos/%E0%A4%A" });
    expect(res.statusCode).toBe(400);
    s3Error(res.body, "InvalidURI");
  });

  it("answers bad percent-encoding on Lambda's, SES's and the gateway's routes in JSON", async () => {
    for (const [url, type] of [
      ["/2015-03-31/functions/%/configuration", "ValidationException"],
      ["/v2/email/outbound-emails/%", "BadRequestException"],
      ["/_rekognito/mailbox/%zz", "ValidationException"],
    ] as const) {
      const res = await app.fastify.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers["x-amzn-errortype"], url).toBe(type);
      expect(res.json(), url).toEqual({ __type: type, message: expect.stringMatching(/^The request URI is not valid/) });
    }
  });

  it("stays up: a valid request after them is served", async () => {
    const res = await app.fastify.inject({ method: "GET", url: "/_rekognito/health" });
    expect(res.statusCode).toBe(200);
  });
});
