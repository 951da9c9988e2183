import { startStack, type Stack, type StackOptions } from "../../server/stack.js";

/**
 * The stack an end-to-end suite drives. By default a fresh in-process stack on a random port;
 * with REKOGNITO_TEST_ENDPOINT set (e.g. http://127.0.0.1:4567 from `docker compose up`, or a
 * testcontainers endpoint) the same suite runs against that already-running stack instead.
 * Tests that need to move the clock or restart the server can only run in-process: they
 * check `target.stack` and skip otherwise.
 */
export interface TestTarget {
  endpoint: string;
  region: string;
  /** The in-process stack, or undefined when the suite targets an external one. */
  stack: Stack | undefined;
  close(): Promise<void>;
}

export const externalEndpoint: string | undefined = process.env.REKOGNITO_TEST_ENDPOINT || undefined;

export async function testTarget(options: StackOptions = {}): Promise<TestTarget> {
  if (externalEndpoint) {
    return { endpoint: externalEndpoint.replace(/\/$/, ""), region: process.env.AWS_REGION ?? "us-east-1", stack: undefined, close: async () => {} };
  }
  const stack = await startStack(options);
  return { endpoint: stack.endpoint, region: stack.region, stack, close: () => stack.close() };
}

export const testCredentials = { accessKeyId: "test", secretAccessKey: "test" };
