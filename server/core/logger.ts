/** The server log: one line per request, plus what services and Lambda handlers print. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Detail only --verbose shows (--log-level debug). Loggers without it drop it. */
  debug?(message: string): void;
  /** One request answered; loggers without it get `requestText(line)` through info or error. */
  request?(line: RequestLine): void;
}

/** What the request log says of one request. */
export interface RequestLine {
  /** "s3", "cognito-idp", "rekognito" (its own routes)... */
  service: string;
  /** The AWS action ("PutObject"), or the method and path of a route that is none. */
  action: string;
  status: number;
  ms: number;
  /** The AWS error type of an error answer (NoSuchKey, ResourceNotFoundException...). */
  errorType?: string;
  /** An error answer that is the expected outcome of a lookup or a condition, not a failure. */
  expected?: boolean;
  /** A 500's stack. */
  fault?: string;
}

/** `service action status 1.2ms ErrorType`: the line as text (and what MemoryLogger keeps). */
export function requestText(line: RequestLine): string {
  return `${line.service} ${line.action} ${line.status} ${line.ms.toFixed(1)}ms${line.errorType ? ` ${line.errorType}` : ""}${line.fault ? `\n${line.fault}` : ""}`;
}

/** Sends a request line to a logger: its own request() if it has one, else a text line. */
export function logRequest(logger: Logger, line: RequestLine): void {
  if (logger.request) logger.request(line);
  else if (line.status >= 500) logger.error(requestText(line));
  else logger.info(requestText(line));
}

export const consoleLogger: Logger = {
  info: (m) => process.stdout.write(`${m}\n`),
  warn: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};

/** Logs nothing; its request() keeps the request log from writing each line as text only to drop it. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, request() {} };

/** Collects lines in memory; for tests that assert on the log. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string) {
    this.lines.push(m);
  }
  warn(m: string) {
    this.lines.push(m);
  }
  error(m: string) {
    this.lines.push(m);
  }
}

// ---------------------------------------------------------------------------------------------
// The terminal

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface TerminalOptions {
  level?: LogLevel;
  /** ANSI colours: default when the stream is a terminal and NO_COLOR is not set (https://no-color.org). */
  color?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  err?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: Record<string, string | undefined>;
}

/** Colour on a terminal only, and never with NO_COLOR set (to anything but the empty string) or TERM=dumb. */
export function colorWanted(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return !!stream.isTTY && env.TERM !== "dumb";
}

export type Paint = (text: string) => string;

export interface Palette {
  dim: Paint;
  bold: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
  magenta: Paint;
}

export function palette(color: boolean): Palette {
  const sgr = (open: number, close: number): Paint => (color ? (t) => `\u001b[${open}m${t}\u001b[${close}m` : (t) => t);
  return { dim: sgr(2, 22), bold: sgr(1, 22), red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), cyan: sgr(36, 39), magenta: sgr(35, 39) };
}

/**
 * The dev server's log on a terminal: request lines in columns (service, action, status,
 * milliseconds, the AWS error type), green/yellow/red by outcome on a terminal, dim for an
 * expected answer (a lookup of something absent); a level; and "quiet phases" (provisioning,
 * seeding) whose request lines and chatter only --verbose shows, the CLI printing a summary.
 */
export class TerminalLogger implements Logger {
  readonly level: LogLevel;
  readonly color: boolean;
  readonly paint: Palette;
  private readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  private quietPhase = 0;
  /** A progress line being redrawn in place (a terminal only). */
  private progressShown = false;

  constructor(options: TerminalOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.level = options.level ?? "info";
    this.color = options.color ?? colorWanted(this.out, options.env);
    this.paint = palette(this.color);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /** While a quiet phase runs, request lines and info lines are debug detail. */
  async quietly<T>(run: () => Promise<T>): Promise<T> {
    this.quietPhase++;
    try {
      return await run();
    } finally {
      this.quietPhase--;
    }
  }

  debug(message: string): void {
    if (this.enabled("debug")) this.write(this.out, this.paint.dim(message));
  }

  info(message: string): void {
    if (this.quietPhase) return this.debug(message);
    if (this.enabled("info")) this.write(this.out, this.decorate(message));
  }

  warn(message: string): void {
    if (this.enabled("warn")) this.write(this.err, this.paint.yellow(message));
  }

  error(message: string): void {
    if (this.enabled("error")) this.write(this.err, this.paint.red(message));
  }

  /** Always printed (the banner, summaries), whatever the level but silent. */
  print(text: string): void {
    if (this.level !== "silent") this.write(this.out, text);
  }

  request(line: RequestLine): void {
    const level: LogLevel = line.status >= 500 ? "error" : this.quietPhase ? "debug" : "info";
    if (!this.enabled(level)) return;
    const p = this.paint;
    const status = String(line.status);
    const failed = line.status >= 400 && !line.expected;
    const tint = line.status >= 500 ? p.red : failed ? p.yellow : line.expected ? p.dim : p.green;
    const ms = `${line.ms.toFixed(1)}ms`.padStart(8);
    const error = line.errorType ? ` ${line.expected ? p.dim(line.errorType) : tint(line.errorType)}` : "";
    const text = `${p.cyan(line.service.padEnd(11))} ${line.action.padEnd(30)} ${tint(status)} ${p.dim(ms)}${error}${line.fault ? `\n${p.red(line.fault)}` : ""}`;
    this.write(level === "error" ? this.err : this.out, line.expected ? p.dim(text) : text);
  }

  /**
   * A line redrawn in place on a terminal ("seeding 3/7 ana.silva@example.com"); elsewhere
   * nothing (the summary that follows says it all). `null` clears it.
   */
  progress(text: string | null): void {
    if (!this.out.isTTY || this.level === "silent") return;
    if (text === null) {
      if (this.progressShown) this.out.write("\r\u001b[2K");
      this.progressShown = false;
      return;
    }
    this.out.write(`\r\u001b[2K${this.paint.dim(text)}`);
    this.progressShown = true;
  }

  /** Lambda handlers' lines (`[function requestId] text`) with their tag dimmed. */
  private decorate(message: string): string {
    const tag = /^(\[[^\]\n]+\])( .*)?$/s.exec(message);
    return tag ? `${this.paint.magenta(tag[1]!)}${tag[2] ?? ""}` : message;
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    if (this.progressShown) {
      this.out.write("\r\u001b[2K");
      this.progressShown = false;
    }
    stream.write(`${text}\n`);
  }
}
