import { randomBytes } from "node:crypto";
import { inject, it, type TestFunction } from "vitest";
import { startStack, type Stack, type StackOptions } from "../../server/stack.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by test/global-setup-cli.ts for the "against-cli" project: the dev server it started. */
    rekognitoTestEndpoint?: string;
  }
}

/**
 * The stack an end-to-end suite drives. By default a fresh in-process stack on a random port;
 * with REKOGNITO_TEST_ENDPOINT set (e.g. http://127.0.0.1:4567 from `docker compose up`, or a
 * testcontainers endpoint) the same suite runs against that already-running stack instead. The
 * "against-cli" vitest project provides the URL of the `npm start`-style server its global setup
 * started (vitest's provide/inject: scoped to that project, unlike process.env).
 * Tests that need to move the clock, restart the server, read its internals or files its Lambdas
 * write can only run in-process: they are declared with `inProcessOnly(reason)`.
 */
export interface TestTarget {
  endpoint: string;
  region: string;
  /** The in-process stack, or undefined when the suite targets an external one. */
  stack: Stack | undefined;
  close(): Promise<void>;
}

// The project's own server first: the against-cli projects drive the one their setup started,
// whatever the shell's REKOGNITO_TEST_ENDPOINT says.
export const externalEndpoint: string | undefined = inject("rekognitoTestEndpoint") || process.env.REKOGNITO_TEST_ENDPOINT || undefined;
/** True when the suites drive an already-running stack rather than one they start. */
export const external = externalEndpoint !== undefined;

/**
 * Unique per test file and run: suites suffix the names they create (functions, pools, buckets,
 * collections, emails) with it, so they neither collide with what a long-running stack already
 * holds nor with a previous run of themselves.
 */
export const runId = randomBytes(4).toString("hex");

export async function testTarget(options: StackOptions = {}): Promise<TestTarget> {
  if (externalEndpoint) {
    return { endpoint: externalEndpoint.replace(/\/$/, ""), region: process.env.AWS_REGION ?? "us-east-1", stack: undefined, close: async () => {} };
  }
  const stack = await startStack(options);
  return { endpoint: stack.endpoint, region: stack.region, stack, close: () => stack.close() };
}

/**
 * `it` for a test that needs in-process powers (a ManualClock, the stack's internals, restarting
 * it, files on the stack's disk): skipped against an external stack, with the reason printed.
 */
export function inProcessOnly(reason: string) {
  return (name: string, fn: TestFunction, timeout?: number): void => {
    if (external) console.log(`[skip] "${name}" against ${externalEndpoint}: ${reason}`);
    it.skipIf(external)(name, fn, timeout);
  };
}

export const testCredentials = { accessKeyId: "test", secretAccessKey: "test" };
