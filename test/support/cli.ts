import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./net.js";

/**
 * The dev server started exactly as a user starts it (`node bin/rekognito.js ...`, as `npm start`
 * does: the compiled server, rebuilt first if a source changed) on a free port: the against-cli projects' global setup, and tests of
 * the CLI's own options. Resolves once the banner is out (printed after provisioning) and
 * health answers with the provisioned app's `resources` (unless `bare`).
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY_MS = 60_000;

export interface CliServer {
  endpoint: string;
  pid: number;
  /** The last lines it printed (for a failure message). */
  tail(): string;
  /** SIGTERM, as Ctrl-C would (or the signal given); SIGKILL after 10 s. Resolves at its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startCliServer(args: string[], options: { bare?: boolean; env?: Record<string, string> } = {}): Promise<CliServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["bin/rekognito.js", "--port", String(port), ...args], {
    cwd: ROOT,
    env: { ...process.env, REKOGNITO_TEST_ENDPOINT: "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep reading (the server logs every request) and keep the tail for a failure message.
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n"));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  try {
    await ready(child, endpoint, !options.bare);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`the dev server did not come up: ${(error as Error).message}\n${lines.join("\n")}`);
  }
  return { endpoint, pid: child.pid!, tail: () => lines.join("\n"), stop: (signal) => stop(child, signal) };
}

function ready(child: ChildProcess, endpoint: string, app: boolean): Promise<void> {
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
        .then((health) => done(!app || health.resources ? undefined : new Error("health lists no resources: the face-login app was not provisioned")))
        .catch((error: Error) => done(error));
    };
    child.stdout!.on("data", onData);
    child.on("exit", onExit);
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
