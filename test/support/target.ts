import { randomBytes } from "node:crypto";
import { inject, it, type TestFunction } from "vitest";
import { startStack, type Stack, type StackOptions } from "../../server/stack.js";
import { RekognitoControl } from "../../server/control/client.js";
import type { ClockState } from "../../server/control/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by test/global-setup-cli.ts for the "against-cli" projects: the dev server it started. */
    rekognitoTestEndpoint?: string;
    /** Set with it: that server runs on this machine, so files its Lambdas write are on this disk. */
    rekognitoTestLocal?: boolean;
  }
}

/**
 * The stack an end-to-end suite drives. By default a fresh in-process stack on a random port;
 * with REKOGNITO_TEST_ENDPOINT set (e.g. http://127.0.0.1:4567 from `docker compose up`, or a
 * testcontainers endpoint) the same suite runs against that already-running stack instead. The
 * "against-cli" vitest project provides the URL of the `npm start`-style server its global setup
 * started (vitest's provide/inject: scoped to that project, unlike process.env).
 * Tests that restart the server, read its internals or files its Lambdas write can only run
 * in-process: they are declared with `inProcessOnly(reason)`. Tests that move the clock do it
 * through the control API (POST /_rekognito/clock: `controlOf(target).advanceClock(ms)`), which
 * moves an in-process stack's ManualClock and a running stack's `--clock manual|offset` alike:
 * they are declared with `movesClock` and skip only against a stack on the system clock.
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
 * True when the stack's Lambdas write to this machine's disk: in-process, or the against-cli
 * projects' own dev server. A container or a remote stack (REKOGNITO_TEST_ENDPOINT) does not.
 */
export const sharesDisk = !external || (inject("rekognitoTestEndpoint") !== undefined && inject("rekognitoTestLocal") === true);

/**
 * Unique per test file and run: suites suffix the names they create (functions, pools, buckets,
 * collections, emails) with it, so they neither collide with what a long-running stack already
 * holds nor with a previous run of themselves.
 */
export const runId = randomBytes(4).toString("hex");

/** The control API of the stack a suite drives (reset, snapshots, the clock, seeding), over HTTP. */
export function controlOf(target: { endpoint: string }): RekognitoControl {
  return new RekognitoControl(target.endpoint);
}

/** What the running stack says of its clock (undefined in-process, or when it has no control API). */
const externalClock: ClockState | undefined = externalEndpoint ? await new RekognitoControl(externalEndpoint).clock().catch(() => undefined) : undefined;
/** True when a suite can move its stack's clock: in-process (its ManualClock), or a stack started with --clock manual|offset. */
export const clockMovable = !external || externalClock?.controllable === true;

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

/**
 * `it` for a test that moves the stack's clock (through controlOf(target)): in-process, or
 * against a running stack whose clock can be moved; skipped with the reason printed against one
 * on the system clock. Such a test sets the clock back to the real time when it is done
 * (`setClock(Date.now())`), so that the suites after it on a shared stack see the real time.
 */
export function movesClock(name: string, fn: TestFunction, timeout?: number): void {
  if (!clockMovable) {
    console.log(`[skip] "${name}" against ${externalEndpoint}: it moves the stack's clock, and that stack runs on the system clock (start it with --clock manual or --clock offset)`);
  }
  it.skipIf(!clockMovable)(name, fn, timeout);
}

/** `it` for a test that reads files the stack's Lambdas write: skipped, saying why, against a stack on another machine. */
export function onSharedDisk(reason: string) {
  return (name: string, fn: TestFunction, timeout?: number): void => {
    if (!sharesDisk) console.log(`[skip] "${name}" against ${externalEndpoint}: ${reason}`);
    it.skipIf(!sharesDisk)(name, fn, timeout);
  };
}

