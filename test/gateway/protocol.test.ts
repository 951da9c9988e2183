import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../server/app.js";
import { silentLogger } from "../../server/core/logger.js";

// Protocol corners, through fastify.inject (no socket): what a client sees when its request
// is wrong in shape rather than in content.
const signed = {
  authorization:
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/rekognition/aws4_request, SignedHeaders=host, Signature=00",
};

describe("JSON protocol gateway", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
  });
  afterAll(() => app.close());

  const post = (headers: Record<string, string>, payload: string | Buffer = "{}") =>
    app.fastify.inject({ method: "POST", url: "/", headers, payload });

  it("answers health with each service's state", async () => {
    const res = await app.fastify.inject({ method: "GET", url: "/_rekognito/health" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(body.services)).toEqual(expect.arrayContaining(["rekognition", "s3", "dynamodb"]));
  });

  it("names an unknown target in the error", async () => {
    const res = await post({ ...signed, "x-amz-target": "RekognitionService.FlyToTheMoon", "content-type": "application/x-amz-json-1.1" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ __type: "UnknownOperationException", message: expect.stringContaining("RekognitionService.FlyToTheMoon") });
    expect(res.headers["x-amzn-requestid"]).toBeTruthy();
  });

  it("answers an unknown service prefix the same way", async () => {
    const res = await post({ ...signed, "x-amz-target": "NoSuchService_2020.Do", "content-type": "application/x-amz-json-1.1" });
    expect(res.statusCode).toBe(400);
    expect(res.json().__type).toBe("UnknownOperationException");
  });

  it("refuses a JSON-protocol request with a wrong content type", async () => {
    const res = await post({ ...signed, "x-amz-target": "RekognitionService.ListCollections", "content-type": "text/plain" });
    expect(res.statusCode).toBe(400);
    expect(res.json().__type).toBe("UnknownOperationException");
  });

  it("answers SerializationException for malformed JSON and for a body that is not an object", async () => {
    const headers = { ...signed, "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" };
    for (const payload of ["{not json", "[1,2]", "null", "42"]) {
      const res = await post(headers, payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().__type, payload).toBe("SerializationException");
    }
  });

  it("reads an empty body as an empty input", async () => {
    const res = await post({ ...signed, "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" }, "");
    expect(res.statusCode).toBe(200);
    expect(res.json().CollectionIds).toEqual([]);
  });

  it("answers a member of the wrong JSON type with SerializationException", async () => {
    const res = await post(
      { ...signed, "x-amz-target": "RekognitionService.CreateCollection", "content-type": "application/x-amz-json-1.1" },
      JSON.stringify({ CollectionId: 42 }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().__type).toBe("SerializationException");
  });

  it("names every violated member as AWS does", async () => {
    const res = await post(
      { ...signed, "x-amz-target": "RekognitionService.SearchFaces", "content-type": "application/x-amz-json-1.1" },
      JSON.stringify({ CollectionId: "bad id!", MaxFaces: 0 }),
    );
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.message).toMatch(/^3 validation errors detected: /);
    expect(body.message).toContain("Value null at 'faceId' failed to satisfy constraint: Member must not be null");
    expect(body.message).toContain("Value 'bad id!' at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern");
    expect(body.message).toContain("Value '0' at 'maxFaces' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  it("answers an unimplemented action of a known service with a clear not-implemented error", async () => {
    const res = await post(
      { ...signed, "x-amz-target": "RekognitionService.DetectLabels", "content-type": "application/x-amz-json-1.1" },
      JSON.stringify({ Image: { Bytes: "AA==" } }),
    );
    expect(res.statusCode).toBe(501);
    expect(res.json()).toEqual({ __type: "NotImplementedException", message: expect.stringContaining("DetectLabels") });
  });

  it("refuses an unsigned request to a signed service as AWS's JSON services do (400)", async () => {
    const res = await post({ "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ __type: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token" });
  });

  it("answers an oversized JSON body with 413, and stays up", async () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 0x20);
    const res = await post({ ...signed, "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1" }, big);
    expect(res.statusCode).toBe(413);
    expect(res.json().__type).toBe("RequestEntityTooLargeException");
    const after = await app.fastify.inject({ method: "GET", url: "/_rekognito/health" });
    expect(after.statusCode).toBe(200);
  });

  it("takes the region from the credential scope", async () => {
    const headers = { ...signed, "x-amz-target": "RekognitionService.CreateCollection", "content-type": "application/x-amz-json-1.1" };
    const res = await post(headers, JSON.stringify({ CollectionId: "region-check" }));
    expect(res.statusCode).toBe(200);
    expect(res.json().CollectionArn).toContain("eu-west-1");
  });
});

describe("CORS, for browser clients", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
  });
  afterAll(() => app.close());

  it("answers a preflight for the JSON protocol's headers", async () => {
    const res = await app.fastify.inject({
      method: "OPTIONS",
      url: "/",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-amz-target,x-amz-user-agent",
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(res.headers["access-control-allow-headers"]).toContain("x-amz-target");
  });

  it("lets the page read Cognito's answers and errors", async () => {
    const res = await app.fastify.inject({
      method: "POST",
      url: "/",
      headers: {
        origin: "http://localhost:5173",
        "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
        "content-type": "application/x-amz-json-1.1",
      },
      payload: JSON.stringify({ AuthFlow: "CUSTOM_AUTH", ClientId: "nosuchclient", AuthParameters: { USERNAME: "a@example.com" } }),
    });
    expect(res.statusCode).toBe(400);
    // The page's own origin, never `*`, and caches told that the answer depends on it.
    expect(res.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(res.headers["vary"]).toContain("Origin");
    expect(res.headers["access-control-expose-headers"]).toContain("x-amzn-errortype");
  });
});

describe("a path the router cannot decode", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp({ ephemeral: true, logger: silentLogger });
  });
  afterAll(() => app.close());

  it("answers S3's InvalidURI as XML, and stays up", async () => {
    const res = await app.fastify.inject({ method: "GET", url: "/bucket/%E0%A4%A" });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/xml");
    expect(res.body).toContain("<Code>InvalidURI</Code>");
    expect((await app.fastify.inject({ method: "GET", url: "/_rekognito/health" })).statusCode).toBe(200);
  });
});

describe("health while the stack starts", () => {
  it("answers 503 starting until the stack is marked ready, then 200 ok", async () => {
    const app = await buildApp({ ephemeral: true, logger: silentLogger, startReady: false });
    try {
      const before = await app.fastify.inject({ method: "GET", url: "/_rekognito/health" });
      expect([before.statusCode, before.json().status]).toEqual([503, "starting"]);
      app.markReady();
      const after = await app.fastify.inject({ method: "GET", url: "/_rekognito/health" });
      expect([after.statusCode, after.json().status]).toEqual([200, "ok"]);
    } finally {
      await app.close();
    }
  });
});
