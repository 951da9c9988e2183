import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/net.js";

// `npm start` runs the compiled server (lib/build.js), built by `npm ci`'s prepare script and
// again whenever a source changed since: never a stale build. These start it as a user does and
// read what health says of the code that answers.

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const { OUT_DIR } = createRequire(import.meta.url)("../../lib/build-check.cjs") as { OUT_DIR: string };

interface Started {
  child: ChildProcess;
  output: () => string;
  health: { status: string; version: string; server: { code: string; node: string } };
}

// Each start is a process group of its own (npm start's npm and the node it runs), signalled
// whole: a signal to npm alone could leave its node server running after the test.
const running = new Set<ChildProcess>();
const signal = (child: ChildProcess, name: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, name);
  } catch {
    child.kill(name);
  }
};
afterAll(() => {
  for (const child of running) signal(child, "SIGKILL");
});

/** Spawns `command` in `cwd` with `--port <free> --ephemeral --bare` and waits for health 200. */
async function start(cwd: string, command: string[], env: Record<string, string> = {}): Promise<Started & { endpoint: string }> {
  const port = await freePort();
  const child = spawn(command[0]!, [...command.slice(1), "--ephemeral", "--bare", "--port", String(port)], {
    cwd,
    env: { ...process.env, REKOGNITO_FROM_SOURCE: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<never>((_, fail) => child.once("exit", (code) => fail(new Error(`exited with ${code}:\n${output}`))));
  const healthy = (async () => {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/_rekognito/health`);
        if (response.status === 200) return (await response.json()) as Started["health"];
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const health = await Promise.race([healthy, exited]);
  return { child, output: () => output, health, endpoint: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    signal(child, "SIGTERM");
  });
}

describe("npm start", () => {
  it("runs the compiled server, which answers health", async () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toContain("node lib/build.js");
    const server = await start(REPO, ["npm", "start", "--silent", "--"]);
    try {
      expect(server.health.status).toBe("ok");
      expect(server.health.server).toEqual({ node: process.versions.node, code: "compiled" });
    } finally {
      await stop(server.child);
    }
  }, 60_000);

  it("starts its DynamoDB engine on the build's dynalite, one file run with V8's code cache", async () => {
    const caches = () => readdirSync(OUT_DIR).filter((name) => name.startsWith("dynalite.cjs.") && name.endsWith(".cache"));
    for (const name of caches()) rmSync(join(OUT_DIR, name));
    const server = await start(REPO, ["node", "bin/rekognito.js"]);
    const client = new DynamoDBClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
      // A bare start forks the engine at its first request.
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
      await stop(server.child);
    }
    // Written as the engine ended: the next engine reads its compiled code back.
    for (let i = 0; i < 100 && !caches().length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(caches()).toHaveLength(1);
  }, 60_000);
});

describe("a stale build", () => {
  // A copy of the sources (node_modules and the data folders linked), its build kept apart.
  const root = mkdtempSync(join(tmpdir(), "rekognito-build-"));
  for (const dir of ["server", "lib", "bin", "testcontainers"]) cpSync(join(REPO, dir), join(root, dir), { recursive: true });
  for (const file of ["package.json", "tsconfig.json"]) cpSync(join(REPO, file), join(root, file));
  for (const shared of ["node_modules", "fixtures", "lambdas", "web", "template.yaml"]) symlinkSync(join(REPO, shared), join(root, shared));
  const buildDir = join(root, "build");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("is never run: a source changed since is compiled before the server starts", async () => {
    const first = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: buildDir });
    await stop(first.child);
    expect(first.output()).toContain("rekognito: compiled the server (there is no build yet)");
    expect(first.health.server.code).toBe("compiled");

    writeFileSync(join(root, "server", "version.ts"), 'export const VERSION: string = "9.9.9-edited";\n');
    const second = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: buildDir });
    await stop(second.child);
    expect(second.output()).toContain("rekognito: compiled the server (server/version.ts changed)");
    expect(second.health).toMatchObject({ version: "9.9.9-edited", server: { code: "compiled" } });

    // Fresh now: the next start builds nothing.
    const third = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: buildDir });
    await stop(third.child);
    expect(third.output()).not.toContain("compiled the server");
    expect(third.health.version).toBe("9.9.9-edited");

    // A checkout or a copy gives a file a new time, not new contents: compared by hash, it is
    // still fresh, and its new time is remembered (the next start compares times alone).
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "server", "version.ts"), later, later);
    const fourth = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: buildDir });
    await stop(fourth.child);
    expect(fourth.output()).not.toContain("compiled the server");
    expect(fourth.health).toMatchObject({ version: "9.9.9-edited", server: { code: "compiled" } });
    const manifest = JSON.parse(readFileSync(join(buildDir, "build.json"), "utf8")) as { inputs: Record<string, [number, number, string]> };
    expect(manifest.inputs["server/version.ts"]![1]).toBe(statSync(join(root, "server", "version.ts")).mtimeMs);
  }, 90_000);

  it("runs the TypeScript sources when REKOGNITO_FROM_SOURCE=1, fresh build or not", async () => {
    const server = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: buildDir, REKOGNITO_FROM_SOURCE: "1" });
    await stop(server.child);
    expect(server.output()).not.toContain("compiled the server");
    expect(server.health.server.code).toBe("sources");
  }, 60_000);

  it("runs the TypeScript sources through tsx, saying so, when it cannot be built", async () => {
    // A build folder under a file: nothing can be written there.
    writeFileSync(join(root, "not-a-folder"), "");
    const server = await start(root, ["node", "bin/rekognito.js"], { REKOGNITO_BUILD_DIR: join(root, "not-a-folder", "build") });
    await stop(server.child);
    expect(server.output()).toMatch(/rekognito: warning: could not compile the server \(there is no build yet\): .*; running the TypeScript sources through tsx instead/);
    expect(server.health.server.code).toBe("sources");
  }, 60_000);
});
