import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The Lambda Runtime API (version 2018-06-01) of one execution environment, as AWS serves it at
 * AWS_LAMBDA_RUNTIME_API inside each sandbox: the runtime long-polls
 * `GET /2018-06-01/runtime/invocation/next` for its next event (the first such call ends its init
 * phase), answers with `POST .../invocation/{AwsRequestId}/response` or `.../error`, and reports a
 * failed init with `POST .../init/error` (then exits). Any runtime that speaks it runs here: the
 * Python bootstrap of runtime/python/, a `provided.al2023` zip's own `bootstrap` (Go, Rust, a
 * shell script with curl), awslambdaric.
 *
 * One small HTTP server on 127.0.0.1 per environment (its port is the environment's
 * AWS_LAMBDA_RUNTIME_API), in the server's process: runtimes build their URLs from host:port
 * alone, so environments cannot share one by path. It knows nothing of functions or timeouts:
 * it turns the runtime's requests into the environment's events and an invocation into the
 * answer to the pending `next`.
 *
 * Node.js functions do not use it: their runtime speaks a framed channel on a socket pair
 * (runtime/bootstrap.mjs), which costs ~0.06 ms per invoke against ~0.3-0.5 ms for this API's
 * loopback HTTP round trips (a face sign-in runs four trigger invocations).
 */

export interface RuntimeApiEvents {
  /** The runtime asked for an event (the first time: its init is done). */
  next(): void;
  /** The runtime's answer to an invocation, as its bytes. */
  response(requestId: string, body: Buffer): void;
  /** The runtime reported an invocation's error (Lambda-Runtime-Function-Error-Type, the error document). */
  error(requestId: string, errorType: string | undefined, body: Buffer): void;
  /** The runtime reported that its init failed; it should exit now. */
  initError(errorType: string | undefined, body: Buffer): void;
  /** A response over the size limit was refused (413 to the runtime). */
  tooLarge(requestId: string): void;
}

/** What the runtime receives with an event (the Lambda-Runtime-* headers of `next`). */
export interface RuntimeEvent {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  clientContext?: unknown;
  cognitoIdentity?: unknown;
}

const PREFIX = "/2018-06-01/runtime/";
/** The largest error document or init error read, bytes (the rest is refused with a 413). */
const MAX_ERROR_BYTES = 1024 * 1024;

export class RuntimeApi {
  /** host:port, the environment's AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** A `next` waiting for an event. */
  private waiting: ServerResponse | null = null;
  /** An event delivered before the runtime asked for it. */
  private queued: { event: RuntimeEvent; body: Buffer } | null = null;
  /** The invocation the runtime holds (handed out, not yet answered). */
  private current: string | null = null;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly events: RuntimeApiEvents,
    private readonly maxResponseBytes: number,
  ) {
    const address = server.address() as AddressInfo;
    this.address = `127.0.0.1:${address.port}`;
  }

  /** Listens on a free loopback port. */
  static listen(events: RuntimeApiEvents, maxResponseBytes: number): Promise<RuntimeApi> {
    const server = createServer();
    // A `next` waits as long as the environment stays idle: no request or header timeout.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    server.timeout = 0;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        const api = new RuntimeApi(server, events, maxResponseBytes);
        server.on("request", (request, response) => api.handle(request, response));
        // Connections the runtime leaves open must not keep the server from closing.
        server.on("connection", (socket) => socket.unref());
        server.unref();
        resolve(api);
      });
    });
  }

  /** Hands the runtime its next event (now if it is waiting, or when it next asks). */
  deliver(event: RuntimeEvent, body: Buffer): void {
    if (this.closed) return;
    if (this.waiting) {
      const response = this.waiting;
      this.waiting = null;
      this.send(response, event, body);
    } else this.queued = { event, body };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.destroy();
    this.waiting = null;
    this.server.closeAllConnections();
    this.server.close();
  }

  private send(response: ServerResponse, event: RuntimeEvent, body: Buffer): void {
    this.current = event.requestId;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": event.requestId,
      "lambda-runtime-deadline-ms": String(Math.floor(event.deadlineMs)),
      "lambda-runtime-invoked-function-arn": event.invokedFunctionArn,
    };
    if (event.traceId) headers["lambda-runtime-trace-id"] = event.traceId;
    if (event.clientContext !== undefined) headers["lambda-runtime-client-context"] = JSON.stringify(event.clientContext);
    if (event.cognitoIdentity !== undefined) headers["lambda-runtime-cognito-identity"] = JSON.stringify(event.cognitoIdentity);
    headers["content-length"] = String(body.length);
    response.writeHead(200, headers);
    response.end(body);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? "").split("?", 1)[0]!;
    if (this.closed || !path.startsWith(PREFIX)) return this.refuse(response, request, 404, "UnknownRequest", `Unknown request: ${request.method} ${path}`);
    const rest = path.slice(PREFIX.length);
    if (rest === "invocation/next" && request.method === "GET") {
      request.resume();
      if (this.waiting) this.waiting.destroy();
      if (this.queued) {
        const { event, body } = this.queued;
        this.queued = null;
        this.events.next();
        this.send(response, event, body);
        return;
      }
      this.waiting = response;
      response.once("close", () => {
        if (this.waiting === response) this.waiting = null;
      });
      this.events.next();
      return;
    }
    if (rest === "init/error" && request.method === "POST") {
      void this.read(request, MAX_ERROR_BYTES).then((body) => {
        if (!body) return this.refuse(response, request, 413, "RequestEntityTooLarge", `Exceeded maximum allowed payload size (${MAX_ERROR_BYTES} bytes).`);
        this.accepted(response);
        this.events.initError(headerOf(request, "lambda-runtime-function-error-type"), body);
      });
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (match && request.method === "POST") {
      const requestId = decodeURIComponent(match[1]!);
      if (requestId !== this.current) {
        return this.refuse(response, request, 400, "InvalidRequestID", "Invalid request ID");
      }
      const limit = match[2] === "response" ? this.maxResponseBytes : MAX_ERROR_BYTES;
      void this.read(request, limit).then((body) => {
        if (requestId !== this.current) return this.refuse(response, request, 400, "InvalidRequestID", "Invalid request ID");
        this.current = null;
        if (!body) {
          this.refuse(response, request, 413, "RequestEntityTooLarge", `Exceeded maximum allowed payload size (${limit} bytes).`);
          this.events.tooLarge(requestId);
          return;
        }
        this.accepted(response);
        if (match[2] === "response") this.events.response(requestId, body);
        else this.events.error(requestId, headerOf(request, "lambda-runtime-function-error-type"), body);
      });
      return;
    }
    this.refuse(response, request, 404, "UnknownRequest", `Unknown request: ${request.method} ${path}`);
  }

  /** The body, or null once it passes `limit` (the rest is not read). */
  private read(request: IncomingMessage, limit: number): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let size = 0;
      let over = false;
      request.on("data", (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > limit) {
          over = true;
          parts.length = 0;
          return;
        }
        parts.push(chunk);
      });
      request.once("end", () => resolve(over ? null : Buffer.concat(parts)));
      request.once("error", () => resolve(null));
    });
  }

  private accepted(response: ServerResponse): void {
    const body = '{"status":"OK"}';
    response.writeHead(202, { "content-type": "application/json", "content-length": String(body.length) });
    response.end(body);
  }

  private refuse(response: ServerResponse, request: IncomingMessage, status: number, errorType: string, errorMessage: string): void {
    request.resume();
    const body = JSON.stringify({ errorMessage, errorType });
    response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    response.end(body);
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
