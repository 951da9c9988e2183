/**
 * npm run bench: prints rekognito's speed and memory figures. Never asserted in tests.
 *
 *   boot-to-ready        the CLI started as `npm start` does (ephemeral), until health answers
 *   IndexFaces p50       one fixture image per call, through the SDK
 *   SearchFacesByImage   p50/p99 on collections of 1k, 10k and 100k faces
 *   custom-auth login    InitiateAuth + RespondToAuthChallenge with trivial triggers:
 *                        p50/p99 one at a time, logins per second at 16 concurrent
 *   face login           full enrolment and sign-in through the app's real Lambdas (when the
 *                        face-login app is provisioned): p50/p99, sign-ins/s at 16 concurrent
 *   face engines         the model's load time, per-photo time, RSS and its error rates at
 *                        80/90/95 on packaged photos; the fixture near-copy time (bench-faces.ts)
 *   DynamoDB             engine start-up, PutItem/Query p50/p99, the pathological requests of
 *                        issue 10 and a kill -9 of the engine (bench-dynamodb.ts)
 *   peak RSS             of this process, which hosts the in-process stack
 *
 * Options: --quick (smaller counts, for a smoke run), --sizes 1000,10000,100000
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient, SearchFacesByImageCommand } from "@aws-sdk/client-rekognition";
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { startStack, type Stack } from "../server/stack.js";
import { fixtureImages, readFixture } from "../server/faces/fixtures.js";
import type { RekognitionService } from "../server/rekognition/index.js";
import { benchFaceLogin } from "./bench-face-login.js";
import { benchFaces } from "./bench-faces.js";
import { benchDynamoDB } from "./bench-dynamodb.js";
import { bootToReady, line, ms, percentile, timed } from "./bench-tools.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, sizes: { type: "string" } },
});
const quick = values.quick;
const sizes = (values.sizes ?? (quick ? "1000,10000" : "1000,10000,100000")).split(",").map(Number);
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

/** A deterministic unit vector, for filling collections with synthetic faces. */
function syntheticEmbedding(seed: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i += 8) {
    const h = createHash("sha256").update(`${seed}:${i}`).digest();
    for (let j = 0; j < 8 && i + j < dim; j++) {
      const x = h.readInt32LE(j * 4) / 2 ** 31;
      v[i + j] = x;
      norm += x * x;
    }
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i]! /= norm;
  return v;
}

async function benchRekognition(stack: Stack): Promise<void> {
  const rekognition = new RekognitionClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
  const images = fixtureImages().filter((i) => i.kind === "document" || i.kind === "selfie");
  await rekognition.send(new CreateCollectionCommand({ CollectionId: "bench-index" }));
  const indexTimes: number[] = [];
  const rounds = quick ? 50 : 300;
  for (let i = 0; i < rounds; i++) {
    const image = images[i % images.length]!;
    const bytes = readFixture(image);
    indexTimes.push(
      await timed(() =>
        rekognition.send(new IndexFacesCommand({ CollectionId: "bench-index", Image: { Bytes: bytes }, ExternalImageId: `user-${i}`, MaxFaces: 1 })),
      ),
    );
  }
  line("IndexFaces p50 / p99", `${ms(percentile(indexTimes, 50))} / ${ms(percentile(indexTimes, 99))}  (${rounds} calls)`);

  const service = stack.app.components.find((c) => c.name === "rekognition") as unknown as RekognitionService;
  const selfies = fixtureImages({ kind: "selfie" });
  const dim = service.store.getEmbedding(stack.app.core.accountId, "us-east-1", "bench-index", (await firstFaceId(rekognition)))!.length;
  for (const size of sizes) {
    const id = `bench-${size}`;
    await rekognition.send(new CreateCollectionCommand({ CollectionId: id }));
    const fillStart = performance.now();
    const batch = 5000;
    for (let start = 0; start < size; start += batch) {
      const faces = [];
      for (let n = start; n < Math.min(size, start + batch); n++) {
        faces.push({
          face: {
            faceId: stack.app.core.ids.uuid(),
            imageId: stack.app.core.ids.uuid(),
            externalImageId: `synthetic-${n}`,
            boundingBox: { Width: 0.3, Height: 0.4, Left: 0.35, Top: 0.2 },
            confidence: 99.9,
            indexFacesModelVersion: "7.0",
          },
          embedding: syntheticEmbedding(n, dim),
        });
      }
      service.store.addFaces(stack.app.core.accountId, "us-east-1", id, faces);
    }
    const fillMs = performance.now() - fillStart;
    // The personas themselves, so that searches find someone.
    for (const doc of fixtureImages({ kind: "document" })) {
      await rekognition.send(new IndexFacesCommand({ CollectionId: id, Image: { Bytes: readFixture(doc) }, ExternalImageId: doc.persona!, MaxFaces: 1 }));
    }
    const searches = quick ? 40 : 200;
    const times: number[] = [];
    for (let i = 0; i < searches; i++) {
      const bytes = readFixture(selfies[i % selfies.length]!);
      times.push(await timed(() => rekognition.send(new SearchFacesByImageCommand({ CollectionId: id, Image: { Bytes: bytes }, FaceMatchThreshold: 90, MaxFaces: 5 }))));
    }
    line(
      `SearchFacesByImage p50 / p99 @ ${size.toLocaleString("en")} faces`,
      `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}  (${searches} searches; fill ${ms(fillMs)})`,
    );
  }
}

async function firstFaceId(rekognition: RekognitionClient): Promise<string> {
  const { ListFacesCommand } = await import("@aws-sdk/client-rekognition");
  const out = await rekognition.send(new ListFacesCommand({ CollectionId: "bench-index", MaxResults: 1 }));
  return out.Faces![0]!.FaceId!;
}

const TRIVIAL_TRIGGERS = {
  define: `exports.handler = async (event) => {
  const s = event.request.session;
  if (s.length && s[s.length - 1].challengeResult) { event.response.issueTokens = true; event.response.failAuthentication = false; }
  else if (s.length >= 3) { event.response.issueTokens = false; event.response.failAuthentication = true; }
  else { event.response.issueTokens = false; event.response.failAuthentication = false; event.response.challengeName = "CUSTOM_CHALLENGE"; }
  return event;
};`,
  create: `exports.handler = async (event) => {
  event.response.publicChallengeParameters = { question: "say open" };
  event.response.privateChallengeParameters = { answer: "open" };
  event.response.challengeMetadata = "BENCH";
  return event;
};`,
  verify: `exports.handler = async (event) => {
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
};`,
};

async function benchCustomAuth(stack: Stack): Promise<void> {
  const config = { endpoint: stack.endpoint, region: "us-east-1", credentials };
  const lambda = new LambdaClient(config);
  const cognito = new CognitoIdentityProviderClient(config);
  const arns: Record<string, string> = {};
  for (const [name, source] of Object.entries(TRIVIAL_TRIGGERS)) {
    const zip = zipSync({ "index.js": strToU8(source) });
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: `bench-${name}`,
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: "arn:aws:iam::000000000000:role/bench",
        Code: { ZipFile: zip },
      }),
    );
    arns[name] = fn.FunctionArn!;
  }
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: "bench",
      UsernameAttributes: ["email"],
      LambdaConfig: { DefineAuthChallenge: arns.define, CreateAuthChallenge: arns.create, VerifyAuthChallengeResponse: arns.verify },
    }),
  );
  const poolId = pool.UserPool!.Id!;
  const client = await cognito.send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "bench", ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
  );
  const clientId = client.UserPoolClient!.ClientId!;
  const users = 32;
  for (let i = 0; i < users; i++) {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: `user${i}@bench.example`,
        UserAttributes: [{ Name: "email_verified", Value: "true" }],
        MessageAction: "SUPPRESS",
      }),
    );
  }
  const login = async (i: number) => {
    const started = await cognito.send(
      new InitiateAuthCommand({ AuthFlow: "CUSTOM_AUTH", ClientId: clientId, AuthParameters: { USERNAME: `user${i % users}@bench.example` } }),
    );
    const done = await cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: started.Session,
        ChallengeResponses: { USERNAME: `user${i % users}@bench.example`, ANSWER: "open" },
      }),
    );
    if (!done.AuthenticationResult?.IdToken) throw new Error("login did not issue tokens");
  };
  await login(0); // warm the trigger workers
  const times: number[] = [];
  const rounds = quick ? 30 : 200;
  for (let i = 0; i < rounds; i++) times.push(await timed(() => login(i)));
  line("custom-auth login p50 / p99 (one at a time)", `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}  (${rounds} logins)`);
  const total = quick ? 64 : 480;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) await login(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  line("custom-auth logins per second @ 16 concurrent", `${(total / seconds).toFixed(1)}  (${total} logins in ${seconds.toFixed(2)} s)`);
}

const rss = () => `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  process.stdout.write(`rekognito bench on Node ${process.version}${quick ? " (quick)" : ""}\n\n`);
  const boots: number[] = [];
  for (let i = 0; i < 3; i++) boots.push(await bootToReady(["--bare"], () => true));
  line("boot-to-ready (emulator only, --bare; p50 of 3)", ms(percentile(boots, 50)));

  const stack = await startStack();
  try {
    await benchRekognition(stack);
    line("RSS with those collections loaded", rss());
    await benchCustomAuth(stack);
    line("RSS with the trigger workers warm", rss());
  } finally {
    await stack.close();
  }
  await benchFaceLogin(quick);
  await benchFaces();
  await benchDynamoDB(quick);
  line("peak RSS (stacks + Lambda worker threads)", `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
