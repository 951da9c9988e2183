import type { TestProject } from "vitest/node";
import { startCliServer } from "./support/cli.js";

/**
 * Global setup of the "against-cli" projects: starts the dev server exactly as a user does
 * (`node bin/rekognito.js --ephemeral --port <free>`, test/support/cli.ts), waits
 * until its health lists the provisioned face-login app, and provides its URL to the suites
 * (test/support/target.ts reads it with inject). Teardown stops the server with SIGTERM, as
 * Ctrl-C would.
 *
 * REKOGNITO_CLI_ARGS (set per project in vitest.config.ts) adds options: the serial project
 * starts it with `--clock manual`, so its suites move the stack's time through
 * POST /_rekognito/clock, and reset it through POST /_rekognito/reset.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const extra = (project.config.env?.REKOGNITO_CLI_ARGS ?? "").split(" ").filter(Boolean);
  const server = await startCliServer(["--ephemeral", ...extra]);
  console.log(`[${project.name}] dev server (pid ${server.pid}${extra.length ? `, ${extra.join(" ")}` : ""}) at ${server.endpoint}`);
  project.provide("rekognitoTestEndpoint", server.endpoint);
  project.provide("rekognitoTestLocal", true);
  return () => server.stop();
}
