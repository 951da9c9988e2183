import { defineConfig } from "vitest/config";
import { motoUnavailable } from "./test/support/moto.js";

// The face-login app's whole end-to-end suite runs twice: on the embedded S3 and DynamoDB, and
// with storage passed through to moto's server (an independent emulator, as LocalStack is under
// Compose). Where moto is missing, the second run is skipped with the reason printed.
const APP_SUITES = ["test/app/face-login.test.ts", "test/app/security.test.ts", "test/app/restart.test.ts", "test/app/amplify.test.ts"];
const motoMissing = motoUnavailable();
if (motoMissing) console.log(`[skip] app-on-moto: ${motoMissing}`);

// The end-to-end suites that honour REKOGNITO_TEST_ENDPOINT (test/support/target.ts) run a second
// time against the dev server started as a user starts it (test/global-setup-cli.ts): the proof
// that the same tests drive Compose or a container. Tests needing in-process powers skip there.
const AGAINST_CLI_SUITES = ["test/rekognition/e2e.test.ts", "test/lambda/lambda.test.ts", "test/cognito/amplify.test.ts", "test/clients/boto3.test.ts"];
// Suites that move the stack's clock (POST /_rekognito/clock) or reset it (the face-login suites
// enrol the same fixture personas: each starts from POST /_rekognito/reset) get a dev server of
// their own, started with --clock manual, and run one file at a time on it: a clock moved or a
// stack reset by one file must not pull the ground from under another.
const AGAINST_CLI_SERIAL_SUITES = [
  "test/cognito/custom-auth.test.ts",
  "test/cognito/tokens.test.ts",
  "test/cognito/user-pools.test.ts",
  "test/app/face-login.test.ts",
  "test/app/security.test.ts",
  "test/app/amplify.test.ts",
  "test/control/against-stack.test.ts",
];
const SDK_QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The SDK's notice that its 2027 releases need Node 22 says nothing about the code under test.
    env: SDK_QUIET,
    projects: [
      {
        extends: true,
        // Every test lives under test/ (none in server/, nor in lambdas/, whose folders are the
        // functions' deployment packages: CodeUri ships whatever is in them).
        test: { name: "rekognito", include: ["test/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "against-cli", include: AGAINST_CLI_SUITES, globalSetup: ["test/global-setup-cli.ts"] },
      },
      {
        extends: true,
        test: {
          name: "against-cli-serial",
          include: AGAINST_CLI_SERIAL_SUITES,
          globalSetup: ["test/global-setup-cli.ts"],
          maxWorkers: 1,
          env: { ...SDK_QUIET, REKOGNITO_CLI_ARGS: "--clock manual" },
        },
      },
      ...(motoMissing
        ? []
        : [
            {
              extends: true as const,
              test: {
                name: "app-on-moto",
                include: APP_SUITES,
                env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", REKOGNITO_TEST_STORAGE: "moto" },
              },
            },
          ]),
    ],
  },
});
