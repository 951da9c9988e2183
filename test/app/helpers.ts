import { readFileSync } from "node:fs";
import type { LambdaService } from "../../server/lambda/index.js";
import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DescribeCollectionCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { startStack, type StackOptions } from "../../server/stack.js";
import { provisionTemplate, type FaceLoginResources } from "../../server/provisioning/provision.js";
import { FaceLoginClient, mailCount, mailedCode, type Challenge } from "../../server/face-login/face-login-client.js";
import { readPersonas, fixtureOfKind, type Persona } from "../../server/face-login/seed.js";
import { controlOf, external, testTarget, type TestTarget } from "../support/target.js";
import { startMoto, type Moto } from "../support/moto.js";
import { sdkConfig } from "../support/clients.js";

export { readPersonas, fixtureOfKind, type Persona };

/** A started stack with the face-login app provisioned, and clients for it. */
export interface AppUnderTest {
  target: TestTarget;
  endpoint: string;
  resources: FaceLoginResources;
  client: FaceLoginClient;
  cognito: CognitoIdentityProviderClient;
  s3: S3Client;
  db: DynamoDBDocumentClient;
  rekognition: RekognitionClient;
  close(): Promise<void>;
}

/**
 * Where the app suites keep S3 and DynamoDB: the embedded engines, or moto's server when
 * REKOGNITO_TEST_STORAGE=moto (the "app-on-moto" project in vitest.config.ts runs the whole
 * face-login suite that way, as Compose runs it on LocalStack).
 */
export const storageMode: "embedded" | "moto" = process.env.REKOGNITO_TEST_STORAGE === "moto" ? "moto" : "embedded";
let moto: Promise<Moto> | undefined;

/** The stack options that put storage where `storageMode` says (one moto per test file). */
export async function storageOptions(): Promise<StackOptions> {
  if (storageMode === "embedded") return {};
  moto ??= startMoto();
  return { storageEndpoint: (await moto).endpoint };
}

export async function stopStorage(): Promise<void> {
  const running = moto;
  moto = undefined;
  if (running) (await running).stop();
}

/**
 * The app under test: an in-process stack with template.yaml provisioned, or, with
 * REKOGNITO_TEST_ENDPOINT set, the app already provisioned on that stack (its resources read
 * from /_rekognito/health; `options` then do not apply). The suites enrol the fixed fixture
 * personas, so they need an untouched app: an external stack is reset first
 * (POST /_rekognito/reset: back to the app as the stack provisioned it, nobody enrolled), and
 * `usedAppReason` says why not when it cannot be.
 */
export async function startApp(options: StackOptions = {}): Promise<AppUnderTest> {
  if (external) {
    const target = await testTarget();
    try {
      await controlOf(target).reset();
    } catch (error) {
      // An older rekognito without the control API, or a stack that refuses it: usedAppReason decides.
      console.log(`[note] ${target.endpoint} was not reset: ${(error as Error).message}`);
    }
    const health = (await (await fetch(`${target.endpoint}/_rekognito/health`)).json()) as { resources?: FaceLoginResources };
    if (!health.resources) throw new Error(`${target.endpoint} has no face-login app provisioned (started with --bare?): health lists no resources`);
    return clientsFor(target, health.resources);
  }
  return startLocalApp(options);
}

/** Always an in-process stack, for suites that need one whatever REKOGNITO_TEST_ENDPOINT says. */
export async function startLocalApp(options: StackOptions = {}): Promise<AppUnderTest> {
  const stack = await startStack({ ...(await storageOptions()), ...options });
  const close = async () => {
    await stack.close();
    await stopStorage();
  };
  const target: TestTarget = { endpoint: stack.endpoint, region: stack.region, stack, close };
  const resources = await provisionTemplate(stack);
  // As the dev server does once it has provisioned the app: a reset goes back to this.
  await stack.control.setBaseline();
  return clientsFor(target, resources);
}

export function clientsFor(target: TestTarget, resources: FaceLoginResources): AppUnderTest {
  const config = sdkConfig(target.endpoint, { region: resources.region });
  const cognito = new CognitoIdentityProviderClient(config);
  return {
    target,
    endpoint: target.endpoint,
    resources,
    cognito,
    client: new FaceLoginClient({ endpoint: target.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId, cognito }),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    db: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    rekognition: new RekognitionClient(config),
    close: () => target.close(),
  };
}

/**
 * Why these suites cannot run on this app, or undefined when they can. They enrol the fixture
 * personas under their fixed emails, and sign-in accepts a face only when the best enrolled match
 * is the user's own: the same persona enrolled twice (by an earlier run, or another suite on the
 * same stack) makes either copy the best match, so unique emails would not help. They need an app
 * nobody has used: no user in its pool and no face in its collection. An in-process stack is
 * always fresh, and startApp resets an external one; this is what is left when that failed (a
 * stack without the control API, or one started with --seed, whose just-started app is seeded).
 */
export async function usedAppReason(app: AppUnderTest): Promise<string | undefined> {
  if (app.target.stack) return undefined;
  const { userPoolId, collectionId } = app.resources;
  const users = (await app.cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: 1 }))).Users ?? [];
  const faces = (await app.rekognition.send(new DescribeCollectionCommand({ CollectionId: collectionId }))).FaceCount ?? 0;
  if (users.length === 0 && faces === 0) return undefined;
  return `the face-login app on ${app.endpoint} is already in use (${users.length ? "its pool has users" : "no users"}, ${faces} face(s) in ${collectionId}): these tests enrol the fixture personas and need a fresh stack`;
}

export const photo = (path: string): Buffer => readFileSync(path);

/**
 * Waits until the Lambdas that S3 events started (index-faces after an upload) have finished.
 * In-process the runner says when it is idle; against a running stack there is no such signal,
 * so `check` is polled until it holds (bounded by `ms`).
 */
export async function afterBackgroundLambdas(app: AppUnderTest, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const lambda = app.target.stack?.app.components.find((c) => c.name === "lambda") as LambdaService | undefined;
  if (lambda) {
    await lambda.drain();
    return;
  }
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Enrols through the real flow (SignUp, ENROLL, PUT the document, the mailed code); returns the tokens. */
export async function enrol(app: AppUnderTest, email: string, document: Uint8Array) {
  await app.client.signUp(email);
  const before = await mailCount(app.endpoint, email);
  const challenge = await app.client.start(email);
  if (challenge.step !== "ENROLL") throw new Error(`${email}: expected ENROLL, got ${challenge.step}`);
  await app.client.upload(challenge, document);
  const code = await mailedCode(app.endpoint, email, { after: before });
  return { challenge, code: code!, answered: await app.client.answer(challenge, code!) };
}

/** One FACE round: PUT the photo, answer with the uploadKey. */
export async function faceRound(app: AppUnderTest, challenge: Challenge, image: Uint8Array) {
  await app.client.upload(challenge, image);
  return app.client.answer(challenge, challenge.uploadKey);
}

export async function signIn(app: AppUnderTest, email: string, image: Uint8Array) {
  return faceRound(app, await app.client.start(email), image);
}

export function idTokenVerifier(app: AppUnderTest) {
  const { userPoolId, userPoolClientId } = app.resources;
  // aws-jwt-verify's own fetcher refuses http:, so the JWKS is fetched with fetch().
  const cache = new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } });
  return JwtVerifier.create(
    {
      issuer: `${app.endpoint}/${userPoolId}`,
      audience: userPoolClientId,
      jwksUri: `${app.endpoint}/${userPoolId}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: "id", clientId: userPoolClientId }),
    },
    { jwksCache: cache },
  );
}

export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
