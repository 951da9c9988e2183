import { fork, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { compiledBuild } from "../../build-info.js";
import type { Logger } from "../../core/logger.js";
import { AwsError } from "../../protocol/errors.js";
import { DynamoDBErrors } from "./errors.js";

/**
 * How long one request may take in the engine before it is killed and restarted: far beyond
 * anything dynalite does for a well-formed request on a laptop (a 1 MB Scan page, a 16 MB
 * BatchWriteItem), short enough that a stuck parse does not hold DynamoDB for long.
 */
export const DEFAULT_DEADLINE_MS = 10_000;

/** How long a request that stalled or crashed the engine is answered at once, without sending it again. */
const REFUSED_FOR_MS = 60_000;
/** How long a stopping engine may take to close its LevelDB before it is killed. */
const STOP_GRACE_MS = 1_000;
/** How long a broken connection waits for the engine's exit to say whether it crashed. */
const EXIT_WAIT_MS = 1_000;
/** How long the engine may take to listen (measured: 0.2 to 0.6 s) before it is taken as failed. */
const START_LIMIT_MS = 30_000;

const PROCESS = new URL("./engine-process.mjs", import.meta.url);
/** dynalite bundled by the server's build (lib/build.js), which the engine loads faster than the package. */
const BUNDLE = compiledBuild ? fileURLToPath(new URL("dynalite.cjs", compiledBuild)) : undefined;

export interface EngineOptions {
  /** The data directory's `dynamodb/`, or null for an ephemeral stack (a temporary LevelDB, deleted on close). */
  directory: string | null;
  deadlineMs: number;
  logger: Logger;
  /** The stack's clock (how long a stalling request stays refused). */
  now: () => number;
  /**
   * Forked at the first request (or ready()) rather than at once: for a stack that may never
   * be asked (`--bare` on an empty directory), whose start then forks no process.
   */
  onFirstRequest?: boolean;
}

/** A whole answer from the engine. */
export interface EngineAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Pending {
  /** The request's key in `refused` (a hash of its target and body), worked out only when needed. */
  key: () => string;
  fail: (error: AwsError) => void;
}

/**
 * The request headers dynalite reads: its content type, operation, and whether the request is
 * signed (it answers MissingAuthenticationTokenException or IncompleteSignatureException
 * itself). Not the Origin: CORS is the request policy's (server/protocol/cors.ts), whose headers
 * would replace the `*` dynalite answers one with anyway.
 */
const ENGINE_HEADERS = ["content-type", "x-amz-target", "authorization", "x-amz-date", "date"] as const;

/** Request headers as Node gives them (or as a caller builds them): only ENGINE_HEADERS are read. */
export type EngineHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Who waits for an answer on the channel: called once, with the answer or the channel's failure. */
interface Waiter {
  answered(answer: EngineAnswer): void;
  broke(error: Error): void;
}

/**
 * The framed channel to one engine process (its fd 4, a socket pair; engine-process.mjs says the
 * frame): requests out, answers in, matched by id. Cheaper than HTTP over loopback on both sides:
 * no request or response to write and parse, one write each way.
 */
class EngineChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private parts: Buffer[] = [];
  private bytes = 0;
  private broken: Error | null = null;

  constructor(private readonly socket: Duplex) {
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("error", (error: Error) => this.break(error));
    socket.on("close", () => this.break(new Error("the channel closed")));
  }

  /** Sends one request; `waiter` hears its answer, or that the channel broke (at once if it is broken). */
  request(headers: EngineHeaders, body: Buffer | undefined, waiter: Waiter): void {
    if (this.broken) return waiter.broke(this.broken);
    const picked: Record<string, string> = {};
    for (const name of ENGINE_HEADERS) {
      const value = headers[name];
      if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const head = JSON.stringify({ h: picked });
    const headLength = Buffer.byteLength(head);
    const bodyLength = body?.length ?? 0;
    const frame = Buffer.allocUnsafe(12 + headLength + bodyLength);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_fffe ? 1 : this.nextId + 1;
    frame.writeUInt32BE(8 + headLength + bodyLength, 0);
    frame.writeUInt32BE(id, 4);
    frame.writeUInt32BE(headLength, 8);
    frame.write(head, 12, "utf8");
    if (body) body.copy(frame, 12 + headLength);
    this.waiting.set(id, waiter);
    this.socket.write(frame);
  }

  private read(chunk: Buffer): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes >= 4) {
      if (this.parts[0]!.length < 4) this.parts = [Buffer.concat(this.parts)];
      const length = this.parts[0]!.readUInt32BE(0);
      if (this.bytes < 4 + length) return;
      const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      const rest = all.subarray(4 + length);
      this.parts = rest.length ? [rest] : [];
      this.bytes = rest.length;
      const id = all.readUInt32BE(4);
      const headLength = all.readUInt32BE(8);
      const head = JSON.parse(all.toString("utf8", 12, 12 + headLength)) as { s: number; h: Record<string, string> };
      const waiter = this.waiting.get(id);
      if (!waiter) continue;
      this.waiting.delete(id);
      waiter.answered({ status: head.s, headers: head.h, body: all.subarray(12 + headLength, 4 + length) });
    }
  }

  private break(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const waiter of this.waiting.values()) waiter.broke(error);
    this.waiting.clear();
  }

  close(): void {
    this.break(new Error("the channel was closed"));
    this.socket.destroy();
  }
}

/** Whether a LevelDB directory holds nothing yet (null: an ephemeral stack's, made empty). */
export function emptyDirectory(directory: string | null): boolean {
  return directory === null || !existsSync(directory) || readdirSync(directory).length === 0;
}

/** One run of the engine process, from fork to exit. */
interface Run {
  child: ChildProcess;
  channel: EngineChannel;
  ready: Promise<void>;
  exited: Promise<void>;
  done: boolean;
  pending: Set<Pending>;
  /** It listened (a run that never did is a failed start, not a crash). */
  wasReady: boolean;
  /** Why rekognito killed it (what the requests it was serving are told), or null when it ended by itself. */
  killedFor: string | null;
  stderr: string;
}

/**
 * dynalite in a process of its own (engine-process.mjs), spoken to in frames over a socket pair.
 * Whatever dynalite does, the server stays up and answers: a request that overflows its stack
 * kills only the engine; one that keeps it busy past the deadline gets it killed. Either way
 * the engine is restarted on the same LevelDB directory (writes it acknowledged are in
 * LevelDB's log, on disk, so a kill keeps them), and the requests it was serving are answered
 * with a retryable 500.
 *
 * Why a process and not a worker thread (measured on Node 20, 2 cores): a worker starts faster
 * (~110 ms to ready, against ~180 ms for a fork) and a JavaScript stack overflow in it does not
 * end the server; but terminate() cannot stop native code, a fatal V8 error (heap exhausted)
 * in a worker can still end the process, and LevelDB's lock on its directory belongs to the
 * process: a new worker cannot open a directory a stuck one still holds. SIGKILL ends a process
 * whatever it is doing, and the OS releases its lock. The fork is started in the background,
 * off the stack's start-up path.
 */
export class DynaliteEngine {
  private run: Run | null = null;
  private readonly directory: string;
  private readonly temporary: boolean;
  private readonly refused = new Map<string, { until: number; why: "deadline" | "crash" }>();
  private stopping: Promise<void> | null = null;
  /** Restarts after a crash or a deadline, since the stack started. */
  restarts = 0;
  /** Milliseconds from fork to listening, for the latest run. */
  spawnToReadyMs: number | null = null;
  state: "not-started" | "starting" | "running" | "failed" | "stopped" = "starting";
  /** Why the latest start failed. */
  failure: string | null = null;

  constructor(private readonly options: EngineOptions) {
    this.temporary = options.directory === null;
    this.directory = options.directory ?? mkdtempSync(join(tmpdir(), "rekognito-dynamodb-"));
    if (options.onFirstRequest) this.state = "not-started";
    else this.run = this.spawn();
  }

  /** Whether it was forked yet (an engine started on its first request may not be). */
  get started(): boolean {
    return this.state !== "not-started";
  }

  /** The engine process's pid (for tests that kill it, and for health). */
  get pid(): number | null {
    return this.run && !this.run.done ? (this.run.child.pid ?? null) : null;
  }

  /** Requests the engine is serving now. */
  get inFlight(): number {
    return this.run?.pending.size ?? 0;
  }

  /** Resolves once the current run listens; rejects if it cannot start. */
  async ready(): Promise<void> {
    const run = this.run ?? (this.run = this.spawn());
    await run.ready;
  }

  private spawn(): Run {
    const started = performance.now();
    const env = { ...process.env };
    // Not the server's loader or debugger flags: the engine is plain JavaScript.
    delete env.NODE_OPTIONS;
    // Nor extra CA certificates: the engine makes no TLS connection, and Node 20 reads and parses
    // that file at every start, needed or not (on this project's machines, whose bundle holds ~140
    // certificates: 50-60 ms of the engine's start and 1.8 MiB of its memory; Node 22+ reads it lazily).
    delete env.NODE_EXTRA_CA_CERTS;
    const child = fork(PROCESS, [JSON.stringify({ path: this.directory, ephemeral: this.temporary, bundle: BUNDLE })], {
      execArgv: ["--max-old-space-size=1024"],
      env,
      // fd 3 carries the IPC channel (ready, failed; its closing ends the engine), fd 4 the requests;
      // fd 0 is never written: its end of file tells the engine's watchdog the server is gone.
      stdio: ["pipe", "ignore", "pipe", "ipc", "pipe"],
      serialization: "json",
    });
    this.state = "starting";
    const run: Run = {
      child,
      channel: new EngineChannel(child.stdio[4] as Duplex),
      ready: Promise.resolve(),
      exited: Promise.resolve(),
      done: false,
      pending: new Set(),
      wasReady: false,
      killedFor: null,
      stderr: "",
    };
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      run.stderr = (run.stderr + chunk).slice(-4000);
    });
    run.exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        run.done = true;
        run.channel.close();
        this.onExit(run, code, signal);
        resolve();
      });
    });
    run.ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: { type?: string; port?: number; error?: string }) => {
        if (message.type === "ready") {
          run.wasReady = true;
          this.spawnToReadyMs = performance.now() - started;
          if (this.run === run) {
            this.state = "running";
            this.failure = null;
          }
          resolve();
        } else if (message.type === "failed") {
          reject(new Error(message.error ?? "dynalite did not start"));
        }
      });
      child.once("error", (error) => reject(error));
      void run.exited.then(() => reject(new Error(`the engine exited before it was ready${tail(run.stderr)}`)));
      const limit = setTimeout(() => {
        reject(new Error(`the engine did not listen within ${START_LIMIT_MS} ms`));
        child.kill("SIGKILL");
      }, START_LIMIT_MS);
      limit.unref();
      void run.exited.then(() => clearTimeout(limit));
      child.once("message", () => clearTimeout(limit));
    });
    // A failed start is reported to whoever waits on it (requests answer 503); never unhandled.
    run.ready.catch((error: Error) => {
      if (this.stopping || (this.run !== null && this.run !== run)) return;
      this.state = "failed";
      this.failure = error.message;
      this.options.logger.error(`[dynamodb] dynalite did not start: ${error.message}`);
    });
    return run;
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    const crashed = run.killedFor === null;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    // It threw (an exit code, not a signal from someone else) while serving one request
    // alone: that request did it, and a retry of it is answered at once.
    if (crashed && signal === null && code !== 0 && run.pending.size === 1) {
      for (const p of run.pending) this.refuse(p.key(), "crash");
    }
    const why = run.killedFor ?? `crashed (${how}) while serving this request and was restarted`;
    for (const p of [...run.pending]) p.fail(DynamoDBErrors.engineLost(why));
    if (this.run !== run || this.stopping) return;
    this.run = null;
    // A run that never listened is a failed start: the next request tries again.
    if (!run.wasReady) return;
    if (crashed) {
      this.options.logger.error(`[dynamodb] dynalite crashed (${how}); restarting it${tail(run.stderr)}`);
      this.restarts++; // (a kill for a deadline counted its restart when it was decided)
    }
    this.run = this.spawn();
  }

  private refuse(key: string, why: "deadline" | "crash"): void {
    this.refused.set(key, { until: this.options.now() + REFUSED_FOR_MS, why });
    if (this.refused.size > 256) this.refused.delete(this.refused.keys().next().value!);
  }

  /**
   * Sends one request and reads the whole answer, within the deadline. Throws an AwsError when
   * the engine cannot answer: 503 if it does not start, 500 (retryable) if it crashed, was
   * restarted, or did not answer in time.
   */
  send(headers: EngineHeaders, body: Buffer | undefined): Promise<EngineAnswer> {
    // The common case, without a turn of the microtask queue per await: a run that listens and
    // is not ending, and no request refused (whose hash would have to be compared).
    const run = this.run;
    if (run && run.wasReady && !run.done && !run.killedFor && !this.stopping && this.refused.size === 0) {
      let hashed: string | null = null;
      return this.dispatch(run, headers, body, () => (hashed ??= requestKey(headers, body)));
    }
    return this.sendWhenReady(headers, body);
  }

  /** send(), waiting for the engine to start or restart, and answering refused requests at once. */
  private async sendWhenReady(headers: EngineHeaders, body: Buffer | undefined): Promise<EngineAnswer> {
    if (this.stopping) throw DynamoDBErrors.unavailable("the embedded engine", "the stack is closing");
    // The hash is worked out only when there is something to compare it with, or to refuse.
    let hashed: string | null = null;
    const key = () => (hashed ??= requestKey(headers, body));
    if (this.refused.size) {
      const refused = this.refused.get(key());
      if (refused && refused.until > this.options.now()) {
        throw DynamoDBErrors.refused(refused.why === "deadline" ? `did not answer within ${this.options.deadlineMs} ms` : "crashed");
      }
      if (refused) this.refused.delete(key());
    }

    let run = this.run ?? (this.run = this.spawn());
    try {
      await run.ready;
    } catch (error) {
      if (this.run === run && run.done) this.run = null;
      throw DynamoDBErrors.unavailable("the embedded engine (dynalite)", (error as Error).message);
    }
    // It is ending (killed, or it exited between ready and now): use the run that replaces it.
    while (run.done || run.killedFor) {
      await run.exited;
      if (this.stopping) throw DynamoDBErrors.unavailable("the embedded engine", "the stack is closing");
      const replacement: Run = this.run ?? (this.run = this.spawn());
      run = replacement;
      await run.ready.catch(() => undefined);
    }
    if (run.done) throw DynamoDBErrors.unavailable("the embedded engine (dynalite)", "it is restarting");
    return this.dispatch(run, headers, body, key);
  }

  /** Sends to a run that listens, within the deadline. */
  private dispatch(run: Run, headers: EngineHeaders, body: Buffer | undefined, key: () => string): Promise<EngineAnswer> {
    return new Promise<EngineAnswer>((resolve, reject) => {
      let settled = false;
      /** The first of an answer, a failure or the deadline settles the request; the others find it settled. */
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        run.pending.delete(pending);
        return true;
      };
      const pending: Pending = {
        key,
        fail: (error) => {
          if (settle()) reject(error);
        },
      };
      run.pending.add(pending);
      const timer = setTimeout(() => {
        this.refuse(key(), "deadline");
        pending.fail(DynamoDBErrors.deadline(this.options.deadlineMs));
        this.kill(run, `was restarted while serving this request, because another one took longer than ${this.options.deadlineMs} ms`);
      }, this.options.deadlineMs);
      run.channel.request(headers, body, {
        answered: (answer) => {
          if (settle()) resolve(answer);
        },
        broke: (error) => {
          // A broken channel: the engine is ending (its exit answers this request), or the
          // channel alone failed.
          const wait = setTimeout(() => pending.fail(DynamoDBErrors.engineLost(`dropped the connection (${error.message})`)), EXIT_WAIT_MS);
          void run.exited.then(() => clearTimeout(wait));
        },
      });
    });
  }

  /** Kills a run (its exit restarts the engine and answers what it was serving). */
  private kill(run: Run, why: string): void {
    if (run.done || run.killedFor) return;
    run.killedFor = why;
    this.restarts++;
    this.options.logger.warn(`[dynamodb] a request took longer than ${this.options.deadlineMs} ms: restarting dynalite`);
    run.child.kill("SIGKILL");
  }

  /**
   * Stops for good, promptly even while dynalite is stuck: requests in flight are answered
   * 503 at once, the engine gets SIGTERM (LevelDB closes) and SIGKILL if it has not ended
   * within a second.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const run = this.run;
    this.stopping = (async () => {
      this.state = "stopped";
      if (!run) return;
      for (const p of [...run.pending]) p.fail(DynamoDBErrors.unavailable("the embedded engine", "the stack is closing"));
      run.channel.close();
      if (!run.done) {
        run.killedFor = "was stopped (the stack is closing)";
        run.child.kill("SIGTERM");
        const force = setTimeout(() => run.child.kill("SIGKILL"), STOP_GRACE_MS);
        await run.exited;
        clearTimeout(force);
      }
    })();
    return this.stopping;
  }

  /** Stops, then deletes the temporary directory of an ephemeral stack. */
  async close(): Promise<void> {
    await this.stop();
    if (this.temporary) rmSync(this.directory, { recursive: true, force: true });
  }
}

/** What identifies a request among those refused: its operation and its body. */
function requestKey(headers: EngineHeaders, body: Buffer | undefined): string {
  return createHash("sha256")
    .update(String(headers["x-amz-target"] ?? ""))
    .update("\n")
    .update(body ?? Buffer.alloc(0))
    .digest("hex");
}

function tail(stderr: string): string {
  const lines = stderr.trim().split("\n").filter((l) => !/^\s+at /.test(l));
  return lines.length ? `: ${lines.slice(-3).join(" | ")}` : "";
}
