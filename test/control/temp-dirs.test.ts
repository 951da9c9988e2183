import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ownerIsGone, sweepTempDirs } from "../../server/core/temp-dirs.js";
import { startCliServer } from "../support/cli.js";

/**
 * An ephemeral stack keeps its state in a temporary directory that it removes when it closes.
 * One whose process ended without closing (SIGKILL, a test run cut short) is removed by the next
 * stack that starts; a closed terminal (SIGHUP) closes the dev server as Ctrl-C does.
 */

/** The temporary state directory of the process `pid` (its owner file names it). */
function stateDirOf(pid: number): string {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("rekognito-state-")) continue;
    try {
      if (JSON.parse(readFileSync(join(tmpdir(), name, "owner.json"), "utf8")).pid === pid) return join(tmpdir(), name);
    } catch {
      // not one with an owner file
    }
  }
  throw new Error(`no temporary state directory of pid ${pid}`);
}

const linux = existsSync("/proc/self/stat");
const namespace = linux ? readlinkSync("/proc/self/ns/pid") : null;
const ownStart = linux ? Number(readFileSync("/proc/self/stat", "latin1").split(") ")[1]!.split(" ")[19]) : null;

describe("temporary state directories", () => {
  it("judges an owner gone only when its process has ended in this pid namespace", async () => {
    const child = spawn(process.execPath, ["-e", "0"]);
    await once(child, "exit");
    expect(ownerIsGone({ pid: child.pid!, start: null, pidNamespace: namespace })).toBe(true);
    expect(ownerIsGone({ pid: process.pid, start: ownStart, pidNamespace: namespace })).toBe(false);
    // Another container's pids are not ours to judge.
    expect(ownerIsGone({ pid: child.pid!, start: null, pidNamespace: "pid:[1]" })).toBe(false);
    // A pid given to another process since: its start differs.
    if (linux) expect(ownerIsGone({ pid: process.pid, start: ownStart! + 1, pidNamespace: namespace })).toBe(true);
  });

  it("sweeps only directories whose owner file names a process that has ended", async () => {
    const parent = mkdtempSync(join(tmpdir(), "rekognito-sweep-test-"));
    try {
      const child = spawn(process.execPath, ["-e", "0"]);
      await once(child, "exit");
      const make = (name: string, owner?: object) => {
        mkdirSync(join(parent, name, "state"), { recursive: true });
        writeFileSync(join(parent, name, "state", "cognito.jsonl"), "{}\n");
        if (owner) writeFileSync(join(parent, name, "owner.json"), JSON.stringify(owner));
      };
      make("rekognito-state-dead", { pid: child.pid, start: null, pidNamespace: namespace });
      make("rekognito-state-alive", { pid: process.pid, start: ownStart, pidNamespace: namespace });
      make("rekognito-state-unowned");
      make("rekognito-state-torn");
      writeFileSync(join(parent, "rekognito-state-torn", "owner.json"), '{"pid": 1');
      make("other-dead", { pid: child.pid, start: null, pidNamespace: namespace });
      expect(await sweepTempDirs("rekognito-state-", undefined, parent)).toBe(1);
      expect(readdirSync(parent).sort()).toEqual(["other-dead", "rekognito-state-alive", "rekognito-state-torn", "rekognito-state-unowned"]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("a dev server closed by SIGHUP (its terminal closed) removes its temporary state", async () => {
    const server = await startCliServer(["--ephemeral", "--bare"], { bare: true });
    const dir = stateDirOf(server.pid);
    expect(existsSync(join(dir, "state"))).toBe(true);
    await server.stop("SIGHUP");
    expect(existsSync(dir)).toBe(false);
  });

  it("the state a killed dev server left is removed by the next one's start", async () => {
    const killed = await startCliServer(["--ephemeral", "--bare"], { bare: true });
    const dir = stateDirOf(killed.pid);
    await killed.stop("SIGKILL");
    expect(existsSync(dir)).toBe(true);
    const next = await startCliServer(["--ephemeral", "--bare"], { bare: true });
    try {
      // The sweep runs beside the start; it says so in the log.
      for (let i = 0; i < 500 && !/removed \d+ temporary state director/.test(next.tail()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(next.tail()).toMatch(/removed \d+ temporary state director(y|ies) left by rekognito processes that have ended/);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(stateDirOf(next.pid), "state"))).toBe(true);
    } finally {
      await next.stop();
    }
  });
});
