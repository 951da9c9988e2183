import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { FastifyReply } from "fastify";

/** Hop-by-hop headers and those the forwarder recomputes; never copied across. */
const HOP_BY_HOP = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "content-length",
]);

export function forwardableHeaders(headers: IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k.toLowerCase())) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

/** The engine behind could not be reached (connection refused, reset, DNS). */
export class UpstreamError extends Error {
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`${origin}: ${reason}`);
  }
}

export interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body, not yet read. */
  stream: IncomingMessage;
}

/**
 * Sends one HTTP request to another engine (dynalite, or an external LocalStack/moto) over
 * a keep-alive agent and hands back the unread response.
 */
export class Forwarder {
  private readonly agent: HttpAgent;
  private readonly base: URL;
  constructor(baseUrl: string) {
    this.base = new URL(baseUrl);
    this.agent = this.base.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  get origin(): string {
    return this.base.origin;
  }

  send(method: string, pathAndQuery: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Forwarded> {
    const url = new URL(pathAndQuery, this.base);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          agent: this.agent,
          headers: { ...headers, ...(body && body.length ? { "content-length": String(body.length) } : method === "PUT" || method === "POST" ? { "content-length": "0" } : {}) },
        },
        (res) => resolve({ status: res.statusCode ?? 502, headers: res.headers, stream: res }),
      );
      req.on("error", (error: NodeJS.ErrnoException) => reject(new UpstreamError(this.base.origin, error.code ?? error.message)));
      req.end(body && body.length ? body : undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads a whole response body. */
export async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Writes a forwarded response to the client: status, end-to-end headers, body streamed. */
export function relay(reply: FastifyReply, forwarded: Forwarded, method: string): FastifyReply {
  reply.code(forwarded.status);
  for (const [k, v] of Object.entries(forwarded.headers)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (name !== "content-length" && HOP_BY_HOP.has(name)) continue;
    reply.header(name, v);
  }
  if (method === "HEAD" || forwarded.status === 204 || forwarded.status === 304) {
    forwarded.stream.resume();
    return reply.send();
  }
  return reply.send(forwarded.stream);
}
