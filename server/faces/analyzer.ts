import { Worker } from "node:worker_threads";
import { compiledBuild } from "../build-info.js";
import type { Logger } from "../core/logger.js";
import type { Timers } from "../core/timers.js";
import type { AnalyzeResult, WorkerOut, WorkerReference } from "./worker.js";

// The compiled server (lib/build.js) starts the worker's own bundle; the TypeScript sources start
// it through analysis-worker.mjs, which registers tsx in the thread.
const ENTRY = compiledBuild ? new URL("faces-worker.mjs", compiledBuild) : new URL("./analysis-worker.mjs", import.meta.url);

export type ModelState = "not-loaded" | "loading" | "loaded" | "failed";

/**
 * The server side of the analysis worker (worker.ts): one worker thread, started at the first
 * request (or `load()`), so the server boots without it and its event loop never decodes or
 * runs a net. Requests are answered in order. The worker is unref'd while idle, so it never
 * keeps a process alive on its own; a worker that dies is replaced at the next request.
 *
 * With `idle`, a worker with nothing to do for `idle.ms` is ended, and the model with it: the
 * nets and the WebAssembly heap they grew (400-650 MiB of RSS after a few photos) are given
 * back, as Lambda reclaims an idle environment. The next image starts a new worker; the next real
 * photo loads the model again (about a second) and gets the same answers, bit for bit.
 */
export class FaceAnalyzer {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: AnalyzeResult) => void; reject: (e: Error) => void }>();
  private closed = false;
  model: { state: ModelState; loadMs?: number; reason?: string; versions?: Record<string, string> } = { state: "not-loaded" };

  private idleTimer: unknown;

  constructor(
    private readonly references: WorkerReference[],
    private readonly logger: Logger,
    private readonly idle?: { ms: number; timers: Timers },
  ) {}

  /** Starts the worker and, with `model`, loads the model in it, in the background (the CLI calls it once ready). */
  load(model = true): void {
    if (this.closed || this.worker) return;
    if (model && this.model.state === "not-loaded") this.model = { state: "loading" };
    this.ensureWorker().postMessage({ type: "load", model });
  }

  analyze(bytes: Buffer, options: { model: boolean; attributes: boolean }): Promise<AnalyzeResult> {
    if (this.closed) return Promise.reject(new Error("the face analyzer is closed"));
    if (options.model && this.model.state === "not-loaded") this.model = { state: "loading" };
    this.disarmIdle();
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<AnalyzeResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      // A copy: the caller keeps its Buffer (often a slice of a shared pool).
      worker.postMessage({ type: "analyze", id, bytes: new Uint8Array(bytes), model: options.model, attributes: options.attributes });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(ENTRY, { workerData: { references: this.references } });
    worker.unref();
    worker.on("message", (message: WorkerOut) => this.onMessage(message));
    worker.on("error", (error) => this.fail(worker, error));
    worker.on("exit", (code) => {
      if (this.worker === worker) this.fail(worker, new Error(`the face analysis worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: WorkerOut): void {
    if (message.type === "model") {
      if (message.state === "loaded") {
        this.model = { state: "loaded", loadMs: message.loadMs, versions: message.versions };
        this.logger.info(`faces: the model engine is loaded (face-api ${message.versions.faceApi}, tfjs ${message.versions.tfjs} on ${message.versions.backend}) in ${message.loadMs} ms`);
        this.armIdle();
      } else {
        this.model = { state: "failed", reason: message.reason };
        this.logger.warn(`faces: the model engine could not load: ${message.reason}; real photos are answered as holding no face`);
      }
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) {
      this.worker?.unref();
      this.armIdle();
    }
    if (message.type === "error") waiting.reject(new Error(message.message));
    else waiting.resolve(message);
  }

  /** Counts the idle period from now (nothing pending): the worker is ended when it passes. */
  private armIdle(): void {
    if (!this.idle || this.closed || !this.worker || this.pending.size > 0) return;
    this.disarmIdle();
    this.idleTimer = this.idle.timers.set(() => {
      this.idleTimer = undefined;
      this.unload();
    }, this.idle.ms);
  }

  private disarmIdle(): void {
    if (this.idleTimer === undefined) return;
    this.idle!.timers.clear(this.idleTimer);
    this.idleTimer = undefined;
  }

  private unload(): void {
    const worker = this.worker;
    // A model still loading is not idle: its "loaded" message counts the period again.
    if (!worker || this.pending.size > 0 || this.closed || this.model.state === "loading") return;
    this.worker = undefined;
    const seconds = Math.round(this.idle!.ms / 1000);
    if (this.model.state === "loaded") {
      this.model = { state: "not-loaded", reason: `unloaded after ${seconds} s idle; the next real photo loads it again` };
      this.logger.info(`faces: the model engine was idle for ${seconds} s: unloaded, its memory given back (the next real photo loads it again)`);
    }
    void worker.terminate();
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.model.state === "loading" || this.model.state === "loaded") this.model = { state: "not-loaded" };
    for (const [, waiting] of this.pending) waiting.reject(error);
    this.pending.clear();
    if (!this.closed) this.logger.warn(`faces: the analysis worker stopped (${error.message}); the next image starts a new one`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.disarmIdle();
    const worker = this.worker;
    this.worker = undefined;
    for (const [, waiting] of this.pending) waiting.reject(new Error("the face analyzer is closed"));
    this.pending.clear();
    if (worker) await worker.terminate();
  }
}
