import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/net.js";

// No Docker engine here, so the image's own build and start commands run outside a container:
// the Dockerfile is read, its COPY/RUN/ENV/WORKDIR/CMD steps are replayed into a temporary
// root, and the started server must answer its health check. This catches a missing file in
// the image, a dev dependency the server needs at run time, or a broken start command.

interface Step {
  stage: number;
  op: string;
  args: string;
}

function readDockerfile(): Step[] {
  const text = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8").replace(/\\\n/g, " ");
  const steps: Step[] = [];
  let stage = -1;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [op, ...rest] = line.split(/\s+/);
    if (op!.toUpperCase() === "FROM") stage++;
    steps.push({ stage, op: op!.toUpperCase(), args: rest.join(" ") });
  }
  return steps;
}

describe("the Docker image's commands, outside a container", () => {
  const root = mkdtempSync(join(tmpdir(), "rekognito-image-"));
  const repo = new URL("../..", import.meta.url).pathname;
  let server: ChildProcess | undefined;
  // The image carries the model engine's packages (~330 MB): removing two stages' copies takes a while.
  afterAll(() => {
    server?.kill("SIGTERM");
    rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it("builds without dev dependencies and starts a healthy server", async () => {
    const steps = readDockerfile();
    const stages = new Map<number, string>(); // stage → its work dir inside `root`
    const at = (stage: number, path: string) => join(root, `stage${stage}`, path.startsWith("/") ? path : join(stages.get(stage) ?? "/", path));
    let env: Record<string, string> = {};
    let cmd: string[] = [];
    const last = Math.max(...steps.map((s) => s.stage));
    for (const step of steps) {
      if (step.op === "WORKDIR") stages.set(step.stage, step.args);
      else if (step.op === "COPY") {
        const parts = step.args.split(/\s+/);
        const from = parts[0]!.startsWith("--from=") ? parts.shift()!.slice(7) : null;
        const dest = parts.pop()!;
        for (const source of parts) {
          const src = from === null ? join(repo, source) : at(0, source);
          const target = dest.endsWith("/") ? join(at(step.stage, dest), source.split("/").pop()!) : at(step.stage, dest);
          cpSync(src, target, { recursive: true });
        }
      } else if (step.op === "RUN" && step.stage < last) {
        // Build-stage commands run as they are; the final stage's RUN only prepares /data.
        const result = spawnSync("sh", ["-c", step.args], { cwd: at(step.stage, "."), encoding: "utf8" });
        expect(result.status, `${step.args}\n${result.stderr}`).toBe(0);
      } else if (step.op === "ENV") {
        for (const m of step.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
      } else if (step.op === "CMD") cmd = JSON.parse(step.args) as string[];
    }
    expect(cmd.length).toBeGreaterThan(0);
    const app = at(last, ".");
    // No dev dependency made it into the image.
    expect(() => readFileSync(join(app, "node_modules/vitest/package.json"))).toThrow();
    const port = await freePort();
    env = { ...env, PORT: String(port), HOST: "127.0.0.1", REKOGNITO_DATA_DIR: join(root, "data") };
    server = spawn(cmd[0]!, cmd.slice(1), { cwd: app, env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout!.on("data", (d) => (output += d));
    server.stderr!.on("data", (d) => (output += d));
    const ready = await new Promise<boolean>((resolveReady) => {
      server!.once("exit", () => resolveReady(false));
      server!.stdout!.on("data", () => {
        if (output.includes(`http://127.0.0.1:${port}`)) resolveReady(true);
      });
    });
    expect(ready, output).toBe(true);
    const health = await fetch(`http://127.0.0.1:${port}/_rekognito/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; server: { code: string } };
    expect(body.status).toBe("ok");
    // The image runs the server compiled at its build (npm ci's prepare), not the sources through tsx.
    expect(body.server.code).toBe("compiled");
    expect(output).not.toContain("could not compile");
  }, 300_000);
});
