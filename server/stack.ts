import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { App, AppOptions } from "./app.js";
import { silentLogger } from "./core/logger.js";
import { StackControl, type ControlOptions } from "./control/index.js";

export interface StackOptions extends AppOptions, ControlOptions {
  /** 0 (default for tests) picks a free port. */
  port?: number;
  host?: string;
}

export interface Stack {
  /** http://127.0.0.1:PORT: set it as AWS_ENDPOINT_URL for every SDK client. */
  endpoint: string;
  port: number;
  region: string;
  /** The services as they are now: a reset or a restore builds them anew, so read it again after one. */
  readonly app: App;
  /** Reset, snapshots, the clock and seeding: what /_rekognito/reset, /snapshots, /clock and /seed do. */
  control: StackControl;
  close(): Promise<void>;
}

/**
 * A malformed request (bad syntax, headers too large, a timeout) never reaches a router:
 * answered as Fastify answers it, so the wire stays what clients have seen.
 */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, text, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "Client Timeout"]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "Exceeded maximum allowed HTTP header size"]
        : [400, "Bad Request", "Client Error"];
  const body = JSON.stringify({ error: text, message, statusCode: status });
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`);
  socket.destroy(error);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Starts a stack listening on a port. Ephemeral and silent unless told otherwise.
 *
 * The listening server hands each request to the stack's current services (StackControl):
 * a reset or a restore replaces them while the port, and the connections, stay.
 */
export async function listenStack(options: StackOptions = {}): Promise<Stack> {
  const control = await StackControl.create(options);
  const host = options.host ?? "127.0.0.1";
  const server = createServer(control.dispatch);
  // As Fastify's own server: keep-alive connections live past the SDKs' idle time, and a
  // request may take as long as a Lambda function runs.
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  server.on("clientError", onClientError);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  try {
    await listen(server, options.port ?? 0, host);
  } catch (error) {
    await control.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : Number(options.port);
  const endpoint = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  control.setEndpoint(endpoint);
  if (options.startReady ?? true) await control.markReady();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // The services first (requests stuck in them end), then whatever connection remains.
      await control.close();
      for (const socket of sockets) socket.destroy();
      await stopped;
    })());
  return {
    endpoint,
    port,
    region: options.region ?? "us-east-1",
    get app() {
      return control.app;
    },
    control,
    close,
  };
}

/**
 * For users' own tests: an ephemeral in-process stack on a random port.
 *
 *   const stack = await startStack();
 *   const client = new RekognitionClient({ endpoint: stack.endpoint, region: "us-east-1" });
 *   ...
 *   await stack.close();
 */
export function startStack(options: StackOptions = {}): Promise<Stack> {
  return listenStack({ ephemeral: true, logger: silentLogger, port: 0, ...options });
}
