import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { ListFacesCommand } from "@aws-sdk/client-rekognition";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimsOf, enrol, fixtureOfKind, photo, readPersonas, signIn, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { lambdaService } from "./helpers.js";

/**
 * The face-login flow with the Python index-faces (lambdas/index-faces-python, boto3, as the
 * original AWS design wrote it) in place of the TypeScript one: enrolment indexes the document's
 * face through Python, and the sign-in that follows matches it. Skipped, with the reason, where
 * python3 or its boto3 is missing.
 */

const probe = spawnSync("python3", ["-c", "import boto3"], { encoding: "utf8" });
const missing = probe.error ? "python3 is not installed (apt-get install python3 python3-boto3)" : probe.status !== 0 ? "boto3 is not installed for python3 (apt-get install python3-boto3)" : "";
if (missing) console.log(`[skip] python-index-faces.test.ts: ${missing}`);

const FUNCTION = "face-login-index-faces";
const CODE = fileURLToPath(new URL("../../lambdas/index-faces-python", import.meta.url));
const personas = readPersonas();
const ana = personas.find((p) => p.id === "ana")!;
let app: AppUnderTest;

describe.skipIf(!!missing)("the face-login app with index-faces in Python", () => {
  beforeAll(async () => {
    app = await startLocalApp();
    const lambda = new LambdaClient({ endpoint: app.endpoint, region: app.resources.region, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION, Runtime: "python3.12", Handler: "app.handler" }));
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: FUNCTION, S3Bucket: "hot-reload", S3Key: CODE }));
      expect(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }))).toMatchObject({ Runtime: "python3.12", Handler: "app.handler" });
    } finally {
      lambda.destroy();
    }
  });
  afterAll(() => app?.close());

  it("enrols with the document indexed by the Python function, then signs in with a selfie", async () => {
    const { answered } = await enrol(app, ana.email, photo(ana.document));
    expect(answered.tokens, answered.challenge?.lastError).toBeDefined();
    const sub = String(claimsOf(answered.tokens!.IdToken!).sub);
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(Item).toMatchObject({ sub, email: ana.email, faceId: expect.any(String), documentKey: expect.stringMatching(`^documents/${sub}/`) });
    const faces = (await app.rekognition.send(new ListFacesCommand({ CollectionId: app.resources.collectionId }))).Faces ?? [];
    expect(faces.find((f) => f.FaceId === Item!.faceId)?.ExternalImageId).toBe(sub);
    // It was Python that ran: its environment is the Python runtime's.
    const environments = lambdaService(app.target.stack!).backend.runner.environments().filter((e) => e.spec.functionName === FUNCTION);
    expect(environments.map((e) => e.spec.runtime)).toContain("python3.12");

    const signedIn = await signIn(app, ana.email, photo(ana.selfies[0]!));
    expect(signedIn.tokens, signedIn.challenge?.lastError).toBeDefined();
    expect(claimsOf(signedIn.tokens!.IdToken!).sub).toBe(sub);
  });

  it("records a document without a face as the TypeScript function does, and indexes nothing", async () => {
    const email = "python-no-face@example.com";
    const { answered } = await enrol(app, email, photo(fixtureOfKind("no-face")));
    expect(answered.challenge?.lastError).toMatch(/could not find a face in your ID document/);
    const sub = answered.challenge!.uploadKey.split("/")[1]!;
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(Item).toMatchObject({ uploadOutcome: "NO_FACE", email });
    expect(Item!.faceId).toBeUndefined();
  });
});
