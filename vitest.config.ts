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
const AGAINST_CLI_SUITES = [
  "test/rekognition/e2e.test.ts",
  "test/lambda/lambda.test.ts",
  "test/cognito/custom-auth.test.ts",
  "test/cognito/tokens.test.ts",
  "test/cognito/user-pools.test.ts",
  "test/cognito/amplify.test.ts",
  "test/app/face-login.test.ts",
  "test/clients/boto3.test.ts",
];
// The face-login suites enrol the same fixture personas, so each needs an app nobody has used
// (test/app/helpers.ts usedAppReason): security.test.ts gets a dev server of its own.
const AGAINST_CLI_FRESH_SUITES = ["test/app/security.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The SDK's notice that its 2027 releases need Node 22 says nothing about the code under test.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: { name: "rekognito", include: ["test/**/*.test.ts", "server/**/*.test.ts", "lambdas/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "against-cli", include: AGAINST_CLI_SUITES, globalSetup: ["test/global-setup-cli.ts"] },
      },
      {
        extends: true,
        test: { name: "against-cli-security", include: AGAINST_CLI_FRESH_SUITES, globalSetup: ["test/global-setup-cli.ts"] },
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
