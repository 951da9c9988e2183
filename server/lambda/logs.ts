import type { Logger } from "../core/logger.js";

/** What AWS returns with LogType Tail: the last 4 KB of the invocation's log. */
export const TAIL_BYTES = 4096;

/** A handler's output line is cut here when it sends no newline (its remainder is counted, not kept). */
const MAX_LINE_BYTES = 64 * 1024;

export interface LogLimits {
  /** Bytes of a handler's output printed to the server log per invocation; the rest is counted. */
  printedBytesPerInvocation: number;
}

export interface InvocationLog {
  /** The last TAIL_BYTES of the log, START to REPORT. */
  tail: string;
  /** Output bytes not printed (over the per-invocation limit). */
  dropped: number;
}

/** The last `limit` bytes of what was appended, in a few small pieces whatever the volume. */
class Tail {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  append(piece: Buffer): void {
    if (piece.length >= this.limit) {
      this.parts = [Buffer.from(piece.subarray(piece.length - this.limit))];
      this.size = this.limit;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.size += piece.length;
    if (this.size > this.limit * 2) {
      const all = Buffer.concat(this.parts);
      this.parts = [all.subarray(all.length - this.limit)];
      this.size = this.limit;
    }
  }
  text(): string {
    const all = Buffer.concat(this.parts);
    // Never start in the middle of a UTF-8 sequence.
    let start = Math.max(0, all.length - this.limit);
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString("utf8");
  }
}

/**
 * The log of one execution environment: what its runtime prints (stdout and stderr, each line
 * already formatted by the runtime) and the lines the runner adds (START, END, REPORT). Bounded
 * whatever the function prints: each invocation prints at most `printedBytesPerInvocation` to the
 * server log and then one marker saying how much was left out; only the last 4 KB are kept, which
 * is all Invoke returns. Output outside an invocation (init, stray timers) shares one such budget,
 * renewed at each invocation.
 */
export class EnvironmentLog {
  private requestId: string | null = null;
  private tail = new Tail(TAIL_BYTES);
  private printed = 0;
  private dropped = 0;
  private readonly partial = new Map<string, Buffer[]>();
  private readonly partialSize = new Map<string, number>();

  constructor(
    private readonly functionName: string,
    private readonly logger: Logger,
    private readonly limits: LogLimits,
  ) {}

  /** Starts an invocation's log (its START line is the first `line`). */
  begin(requestId: string): void {
    this.settleBudget();
    this.requestId = requestId;
    this.tail = new Tail(TAIL_BYTES);
    this.printed = 0;
    this.dropped = 0;
  }

  /** A line the runner adds to the invocation's log (START, END, REPORT, a timeout). */
  line(text: string): void {
    this.tail.append(Buffer.from(`${text}\n`));
  }

  /** Prints a line of the runner's own to the server log, tagged like the handler's. */
  print(text: string): void {
    const tag = this.requestId ? `[${this.functionName} ${this.requestId}]` : `[${this.functionName}]`;
    for (const part of text.split(/\r?\n|\r/)) this.logger.info(`${tag} ${part}`);
  }

  /** Ends the invocation's log: its tail, and the marker when output was left out. */
  end(): InvocationLog {
    const dropped = this.dropped;
    if (dropped > 0) {
      const marker = `[rekognito] log truncated: ${dropped} bytes of output not shown (at most ${this.limits.printedBytesPerInvocation} bytes are printed per invocation)`;
      this.logger.warn(`[${this.functionName} ${this.requestId}] ${marker}`);
    }
    const result = { tail: this.tail.text(), dropped };
    this.requestId = null;
    this.printed = 0;
    this.dropped = 0;
    return result;
  }

  /** Inserts the truncation marker into the invocation's log (before its END line). */
  markTruncation(now: string): void {
    if (this.dropped > 0 && this.requestId) {
      this.line(`${now}\t${this.requestId}\tWARN\t[rekognito] log truncated: ${this.dropped} bytes of output not shown`);
    }
  }

  /** Bytes the runtime wrote on one of its streams. */
  output(stream: string, chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0) break;
      this.complete(stream, chunk.subarray(start, newline));
      start = newline + 1;
    }
    if (start >= chunk.length) return;
    const rest = chunk.subarray(start);
    const size = (this.partialSize.get(stream) ?? 0) + rest.length;
    if (size > MAX_LINE_BYTES) {
      // A line without end: what fits is one line, the rest of it is counted as left out.
      this.complete(stream, rest);
      return;
    }
    const parts = this.partial.get(stream) ?? [];
    parts.push(Buffer.from(rest));
    this.partial.set(stream, parts);
    this.partialSize.set(stream, size);
  }

  /** Whatever a stream left without a newline (the process ended). */
  flush(): void {
    for (const stream of [...this.partial.keys()]) this.complete(stream, Buffer.alloc(0));
  }

  private complete(stream: string, end: Buffer): void {
    const parts = this.partial.get(stream);
    let line: Buffer;
    if (parts?.length) {
      parts.push(end);
      line = Buffer.concat(parts);
      this.partial.delete(stream);
      this.partialSize.delete(stream);
    } else line = end;
    if (line.length > MAX_LINE_BYTES) {
      this.dropped += line.length - MAX_LINE_BYTES;
      line = line.subarray(0, MAX_LINE_BYTES);
    }
    if (this.requestId) {
      this.tail.append(line);
      this.tail.append(NEWLINE);
    }
    if (this.printed + line.length > this.limits.printedBytesPerInvocation) {
      this.dropped += line.length + 1;
      return;
    }
    this.printed += line.length + 1;
    this.print(display(line.toString("utf8"), this.requestId));
  }

  /** Output between invocations that went over budget is reported when the next one starts. */
  private settleBudget(): void {
    if (this.dropped > 0 && this.requestId === null) {
      this.logger.warn(`[${this.functionName}] [rekognito] log truncated: ${this.dropped} bytes of output outside invocations not shown`);
    }
  }
}

const NEWLINE = Buffer.from("\n");

/**
 * A runtime's line as the server log shows it: AWS's "time\trequestId\tLEVEL\tmessage" becomes
 * the message alone (the tag already says function and request), \r back to newlines.
 */
function display(line: string, requestId: string | null): string {
  const parts = line.split("\t");
  if (parts.length >= 4 && /^\d{4}-\d\d-\d\dT/.test(parts[0]!) && (parts[1] === requestId || parts[1] === "undefined")) {
    return parts.slice(3).join("\t");
  }
  return line;
}
