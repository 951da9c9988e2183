/**
 * npm run bench: rekognito's speed and footprint, beside its peers, in one run. Never asserted in
 * tests (these figures move with the machine's load: each section prints the load average).
 *
 *   boot, footprint      spawn to health 200 as `npm start` runs it: --bare, the app with its
 *                        state restored, a first start, a first --seed; the stack's idle memory
 *                        with the app provisioned (bench-boot.ts)
 *   face search          SearchFacesByImage p50/p99 at 1k, 10k, 100k and 1M faces, the store's
 *                        search alone in both spaces, IndexFaces into the largest collection,
 *                        RSS per 1M faces (bench-search.ts, in a process of its own)
 *   Rekognition, Cognito IndexFaces p50; custom-auth logins with trivial triggers: p50/p99 one at
 *                        a time, per second at 16 concurrent (in this process)
 *   face sign-ins        enrolment and sign-in through the app's real Lambdas (bench-face-login.ts)
 *   DynamoDB             through rekognito and dynalite alone, the pathological requests of
 *                        issue 10, a kill -9 of the engine (bench-dynamodb.ts)
 *   Lambda               cold start and warm invoke per runtime, RSS per idle environment; the
 *                        dev server's sign-ins at 16 concurrent with the peak memory of its whole
 *                        process tree, its idle memory once the environments are reclaimed, 64
 *                        concurrent from cold (bench-lambda.ts)
 *   face engines         the model's load, per-photo time, RSS and false accepts/rejects; the
 *                        fixture near-copy time (bench-faces.ts)
 *   peers                rekognito, moto and cognito-local each started alone: spawn to ready,
 *                        RSS, Cognito SignUp and InitiateAuth rates, with rekognito's ratios
 *                        (bench-peers.ts); a peer that is missing is skipped with the reason
 *
 * Options: --quick (under a minute: smaller counts, searches up to 10k faces, no 64-concurrent cold
 * run, and not the face-login and dynamodb sections), --sizes 1000,10000,100000,1000000 (the
 * collection sizes searched), --only boot,search,... (some sections: boot, search, rekognition,
 * face-login, dynamodb, lambda, faces, peers)
 */
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
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
import { benchFaceLogin } from "./bench-face-login.js";
import { benchFaces } from "./bench-faces.js";
import { benchDynamoDB } from "./bench-dynamodb.js";
import { benchPeers } from "./bench-peers.js";
import { benchBoot } from "./bench-boot.js";
import { benchLambda } from "./bench-lambda.js";
import { ensureCompiled, line, load, ms, percentile, ROOT, timed } from "./bench-tools.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, sizes: { type: "string" }, only: { type: "string" } },
});
const quick = values.quick;
const SECTIONS = ["boot", "search", "rekognition", "face-login", "dynamodb", "lambda", "faces", "peers"] as const;
/**
 * --quick leaves out the in-process face sign-ins and DynamoDB (about a minute between them here,
 * under load): `--quick --only face-login,dynamodb` runs them; the dev server's sign-ins are in
 * the lambda section either way.
 */
const QUICK_LEAVES_OUT = ["face-login", "dynamodb"];
const only = new Set(values.only ? values.only.split(",") : SECTIONS.filter((s) => !(quick && QUICK_LEAVES_OUT.includes(s))));
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: no section ${name} (${SECTIONS.join(", ")})`);
const sizes = values.sizes ?? (quick ? "1000,10000" : "1000,10000,100000,1000000");
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

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

async function section(name: (typeof SECTIONS)[number], title: string, run: () => Promise<void>): Promise<void> {
  if (!only.has(name)) return;
  ensureCompiled();
  const started = performance.now();
  process.stdout.write(`\n${title} (${load()})\n`);
  await run();
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`rekognito bench on Node ${process.version}, ${cpus().length} cores${quick ? " (quick)" : ""}, ${load()}\n`);
  // The compiled server, built now if a source changed: no start below pays for a build.
  ensureCompiled();

  await section("boot", "boot and footprint, as npm start runs it", () => benchBoot(quick));
  await section("search", "face search (a process of its own)", async () => {
    const search = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "scripts/bench-search.ts", "--sizes", sizes, ...(quick ? ["--quick"] : [])], { cwd: ROOT, stdio: "inherit" });
    if (search.status !== 0) throw new Error(`the face search bench failed (${search.signal ?? search.status})`);
  });
  await section("rekognition", "Rekognition and Cognito custom auth, in this process", async () => {
    const stack = await startStack();
    try {
      await benchRekognition(stack);
      await benchCustomAuth(stack);
      line("this process's RSS, the trigger environments apart", rss());
    } finally {
      await stack.close();
    }
  });
  await section("face-login", "face sign-ins through the app's real Lambdas, in this process", () => benchFaceLogin(quick));
  await section("dynamodb", "DynamoDB", () => benchDynamoDB(quick));
  await section("lambda", "Lambda runtimes, and the dev server's sign-ins", () => benchLambda(quick));
  await section("faces", "face engines (in this process)", () => benchFaces(quick));
  await section("peers", "beside the peers, each started alone", () => benchPeers(quick));
  const left = SECTIONS.filter((s) => !only.has(s));
  if (left.length) process.stdout.write(`\n(not run: ${left.join(", ")}; --only ${left.join(",")} runs them)\n`);
  process.stdout.write(`\nbench done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
