import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import type { Answer } from "./lib/check.js";
import type { Transport } from "./lib/fuzzer.js";
import { url, type WireRequest } from "./lib/wire.js";
import { freePort } from "../support/net.js";

/**
 * The dev server as a user starts it (`node --import tsx server/cli.ts --ephemeral --bare`), in
 * its own process, so the suite can tell whether a request ended it: `exited` says how.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ServerProcess {
  endpoint: string;
  host: string;
  port: number;
  child: ChildProcess;
  /** Why the process ended, or null while it runs. */
  exited(): string | null;
  /** The last lines it printed (for a failure message). */
  tail(): string;
  stop(): Promise<void>;
}

export async function startServer(): Promise<ServerProcess> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const endpoint = `http://${host}`;
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", "--ephemeral", "--bare", "--port", String(port)], {
    cwd: ROOT,
    // The fixture faces only: the model engine would load a network for photographs nobody sends.
    env: { ...process.env, REKOGNITO_FACES: "fixtures", REKOGNITO_TEST_ENDPOINT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n"));
    lines.splice(0, Math.max(0, lines.length - 60));
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exit: string | null = null;
  child.on("exit", (code, signal) => (exit = `exited with ${signal ?? code}`));
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (seen.includes(`${endpoint}/_rekognito/health`)) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", () => reject(new Error(`the dev server did not start: ${exit}\n${lines.join("\n")}`)));
  });
  return {
    endpoint,
    host,
    port,
    child,
    exited: () => exit,
    tail: () => lines.join("\n"),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exit) return resolve();
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** node:http over a real socket, keep-alive, as an SDK's handler would send it. */
export function socketTransport(server: ServerProcess): Transport & { close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const transport = (request: WireRequest, headers: Record<string, string>): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { agent, host: "127.0.0.1", port: server.port, method: request.method, path: url(request), headers: { ...headers, "content-length": String(request.body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(request.body);
    });
  return Object.assign(transport, { close: () => agent.destroy() });
}

export interface RawAnswer {
  /** The status of the first response, or null when the server closed without one. */
  status: number | null;
  /** Everything the server sent before it closed (or before the deadline). */
  text: string;
  /** The server closed the connection (true) or the deadline passed with it open (false). */
  closed: boolean;
}

/**
 * Bytes written as they are onto a fresh connection: what no HTTP client would send. Waits for
 * the server to answer and close, or for `waitMs` (a connection the server keeps open waiting
 * for the rest of a body is not a failure; a hang on a complete request is caught by health).
 */
export function rawExchange(port: number, bytes: Buffer | string, waitMs = 1000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : null, text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      // One complete response is enough when the server keeps the connection alive.
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      if (head < 0) return;
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head));
      if (length && Buffer.byteLength(text.slice(head + 4), "latin1") >= Number(length[1])) finish(true);
      if (/\r\ntransfer-encoding: chunked/i.test(text.slice(0, head)) && text.endsWith("0\r\n\r\n")) finish(true);
    });
    socket.on("error", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("connect", () => socket.write(bytes));
  });
}
