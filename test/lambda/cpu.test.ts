import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { CpuLoad } from "../../server/lambda/cpu.js";

/**
 * The machine's load as the Lambda runner reads it before it starts another environment for a
 * queue: how idle the cores were, and how much of the machine this server's process tree used
 * (an environment is a child of the server, or of its nanny shell), from /proc.
 */
describe.skipIf(!existsSync("/proc/stat"))("the machine's CPU as the runner reads it", () => {
  it("counts a child process's CPU as the stack's own, within what the machine was busy with", async () => {
    const load = new CpuLoad();
    expect(load.read()).toBeNull();
    // A child that burns 300 ms of CPU (measured by itself, whatever the machine's load), then waits.
    const child = spawn(process.execPath, [
      "-e",
      "const t = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= 300000) break; } process.stdout.write('done\\n'); setInterval(() => {}, 1000);",
    ]);
    try {
      await once(child.stdout!, "data");
      const reading = load.read();
      expect(reading).not.toBeNull();
      // /proc counts in ticks of 10 ms: a tick or two either way per process.
      expect(reading!.ownCpuMs).toBeGreaterThanOrEqual(280);
      expect(reading!.own).toBeGreaterThan(0);
      expect(reading!.idle).toBeGreaterThanOrEqual(0);
      expect(reading!.cores).toBeGreaterThanOrEqual(1);
      expect(reading!.own + reading!.idle).toBeLessThanOrEqual(1.05);
    } finally {
      child.kill();
    }
  });

  it("only starts a new interval after a pause longer than asked", async () => {
    let now = 0;
    const load = new CpuLoad(process.pid, () => now);
    expect(load.read(1000)).toBeNull();
    now = 2500;
    // Ticks have passed meanwhile (a child's start), yet the interval is too old to mean "lately".
    await once(spawn(process.execPath, ["-e", "0"]), "exit");
    expect(load.read(1000)).toBeNull();
  });
});
