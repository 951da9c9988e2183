import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { freePort } from "./net.js";

/**
 * moto's standalone server, a real independent AWS emulator on this machine (Python), used as
 * the external S3 and DynamoDB in tests of `--storage-endpoint`. Never part of the product.
 */

/** Why moto cannot be used here, or undefined when it can. */
export function motoUnavailable(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import moto.server"], { encoding: "utf8" });
  if (probe.error) return `python3 is not available (${probe.error.message})`;
  if (probe.status !== 0) return "python3 cannot import moto.server (pip install 'moto[server]')";
  return undefined;
}

export interface Moto {
  endpoint: string;
  process: ChildProcess;
  stop(): void;
}

/** moto on a free port; resolves once it says it is running. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Running on")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`moto exited (${code}): ${log}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, process: child, stop: () => void child.kill("SIGTERM") };
}

export { freePort };
