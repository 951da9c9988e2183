import { PassThrough } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Server-sent events for the console's live pages: `event: <name>` and one `data:` line of
 * JSON per event, a comment every 15 seconds so proxies keep the stream open. Streams end
 * when the page goes away or the stack closes.
 */
export class EventStreams {
  private readonly streams = new Set<PassThrough>();

  get size(): number {
    return this.streams.size;
  }

  open(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const stream = new PassThrough();
    this.streams.add(stream);
    const ping = setInterval(() => stream.write(": ping\n\n"), 15_000);
    ping.unref();
    const end = () => {
      clearInterval(ping);
      this.streams.delete(stream);
      stream.end();
    };
    request.raw.once("close", end);
    stream.once("close", end);
    // The browser reconnects after this many ms if the stream breaks.
    stream.write("retry: 1000\n\n");
    return reply
      .header("content-type", "text/event-stream; charset=utf-8")
      .header("cache-control", "no-store")
      .header("x-accel-buffering", "no")
      .send(stream);
  }

  send(event: string, data: unknown): void {
    if (this.streams.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }

  closeAll(): void {
    for (const stream of [...this.streams]) stream.end();
    this.streams.clear();
  }
}
