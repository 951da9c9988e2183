/** What the bench scripts share: percentiles, the printed lines, and starting the CLI. */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const ms = (n: number): string => `${n.toFixed(2)} ms`;

export function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(46)} ${value}\n`);
}

export async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Starts the CLI as `npm start -- --ephemeral <args>` does and returns the milliseconds until
 * its health answer satisfies `ready`.
 */
export async function bootToReady(args: string[], ready: (health: { resources?: unknown }) => boolean): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", "--ephemeral", "--port", String(port), ...args], {
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/_rekognito/health`);
        const health = (await response.json()) as { resources?: unknown };
        if (response.ok && ready(health)) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - started > 60_000) throw new Error(`the server (${args.join(" ")}) was not ready in 60 s`);
    }
  } finally {
    child.kill("SIGTERM");
  }
}
