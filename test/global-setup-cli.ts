import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { freePort } from "./support/net.js";

/**
 * Global setup of the "against-cli" project: starts the dev server exactly as a user does
 * (`node --import tsx server/cli.ts --ephemeral --port <free>`), waits until its health lists the
 * provisioned face-login app, and provides its URL to the suites (test/support/target.ts reads
 * it with inject). Teardown stops the server with SIGTERM, as Ctrl-C would.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const READY_MS = 60_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", "--ephemeral", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, REKOGNITO_TEST_ENDPOINT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep reading (the server logs every request) and keep the tail for a failure message.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString("utf8").split("\n"));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  try {
    await ready(child, endpoint);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`against-cli: the dev server did not come up: ${(error as Error).message}\n${tail.join("\n")}`);
  }
  console.log(`[${project.name}] dev server (pid ${child.pid}) at ${endpoint}`);
  project.provide("rekognitoTestEndpoint", endpoint);
  return () => stop(child);
}

/** Resolves once the banner is out (printed after provisioning) and health lists `resources`. */
function ready(child: ChildProcess, endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${READY_MS} ms`)), READY_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`exited with ${code ?? signal}`));
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (!seen.includes(`${endpoint}/_rekognito/health`)) return;
      child.stdout!.off("data", onData);
      fetch(`${endpoint}/_rekognito/health`)
        .then((res) => res.json() as Promise<{ resources?: Record<string, string> }>)
        .then((health) => done(health.resources ? undefined : new Error("health lists no resources: the face-login app was not provisioned")))
        .catch((error: Error) => done(error));
    };
    child.stdout!.on("data", onData);
    child.on("exit", onExit);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
