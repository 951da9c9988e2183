import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { basename, join } from "node:path";
import { buildApp, type App, type AppOptions } from "../app.js";
import { clockModeOf, isControllable, systemClock, type Clock } from "../core/clock.js";
import { consoleLogger } from "../core/logger.js";
import { filePersistence, temporaryState, type Persistence, type TemporaryState } from "../core/persistence.js";
import { createFaceEngine } from "../faces/composed-engine.js";
import type { FaceEngine } from "../faces/engine.js";
import type { LambdaService } from "../lambda/index.js";
import { DEFAULT_TEMPLATE, provisionTemplate, type FaceLoginResources } from "../provisioning/provision.js";
import { DEFAULT_MANIFEST, enrol, enrolmentClient, readPersonas, seedPersonas, type EnrolOutcome } from "../face-login/seed.js";
import { DEFAULT_DEADLINE_MS, DynaliteEngine, emptyDirectory } from "../storage/dynamodb/engine.js";
import { VERSION } from "../version.js";
import { dumpTables, restoreTables } from "./dynamodb-state.js";
import { DEFAULT_DRAIN_MS, Generations, type Generation } from "./generations.js";
import { registerControlRoutes } from "./routes.js";
import {
  BASELINE,
  clearState,
  fromBundle,
  isSnapshotName,
  SERVICES,
  serviceNamed,
  SnapshotStore,
  SNAPSHOTS,
  toBundle,
  type ServiceName,
  type SnapshotMeta,
} from "./snapshots.js";

export type { SnapshotMeta } from "./snapshots.js";

/** A refusal of the control API, answered as AWS answers: `{"__type","message"}` and a status. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new ControlError(400, "InvalidParameterValueException", message);
const notFound = (message: string) => new ControlError(404, "ResourceNotFoundException", message);

/** What a just-started stack has, beyond empty services: what a reset provisions again when it has no baseline. */
export interface StackSetup {
  /** The face-login app of template.yaml. */
  provision: boolean;
  /** Every fixture persona enrolled (--seed). */
  seed: boolean;
}

export interface ControlOptions {
  /** Start from this exported snapshot (`--snapshot <file>`): the state is replaced by it. */
  snapshot?: string;
  /** What the stack sets up once started (the CLI: the app, and --seed). */
  setup?: StackSetup;
  /** How long reset, restore and snapshot wait for requests in flight (default 10 s). */
  drainMs?: number;
}

/** Counts of what each service holds, from its health: `{ "cognito-idp": { userPools: 1, users: 7 }, s3: {...} }`. */
export type Contents = Record<string, Record<string, number>>;

export interface ResetResult {
  reset: "all" | ServiceName;
  /** What the services held before, and hold now. */
  cleared: Contents;
  now: Contents;
  /** The face-login app's resources after the reset. */
  resources: Record<string, string>;
  generation: number;
  ms: number;
  warnings: string[];
}

export interface RestoreResult extends Omit<ResetResult, "reset"> {
  restored: string;
  snapshot: SnapshotMeta;
}

export interface ClockState {
  /** `manual` and `offset` can be moved; `system` cannot (start with --clock manual|offset). */
  mode: "system" | "manual" | "offset" | "custom";
  controllable: boolean;
  now: string;
  epochMs: number;
  /** How far the stack's time is from the system's, ms (positive: ahead). */
  offsetMs: number;
}

export interface SeedResult {
  seeded: { persona: string; email: string; outcome: EnrolOutcome }[];
  ms: number;
}

/** Numbers a reset reports per service (what a user recognises as "what was there"). */
const COUNTED: Record<string, string[]> = {
  "cognito-idp": ["userPools", "users", "openSessions", "mailbox"],
  rekognition: ["collections", "faces"],
  s3: ["buckets", "objects", "multipartUploads"],
  dynamodb: ["tables"],
  lambda: ["functions"],
};

function contentsOf(app: App): Contents {
  const out: Contents = {};
  for (const component of app.components) {
    const keys = COUNTED[component.name];
    if (!keys) continue;
    const health = component.health();
    const counts: Record<string, number> = {};
    for (const key of keys) if (typeof health[key] === "number") counts[key] = health[key] as number;
    out[component.name] = counts;
  }
  return out;
}

/** The stack's face engine for every generation; only the stack's close ends it. */
function sharedFaceEngine(engine: FaceEngine): FaceEngine {
  return {
    name: engine.name,
    analyze: (bytes, image, options) => engine.analyze(bytes, image, options),
    similarity: (a, b, space) => engine.similarity(a, b, space),
    health: () => engine.health(),
    ...(engine.warm ? { warm: () => engine.warm!() } : {}),
  };
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * Counts the files that hold something (not links, not empty journals) in the state,
 * snapshots and the engine's LevelDB apart: none means a fresh state.
 */
function stateFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  const walk = (path: string, top: boolean) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isSymbolicLink() || (top && (entry.name === SNAPSHOTS || entry.name === "dynamodb"))) continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full, false);
      else if (statSync(full).size > 0) n++;
    }
  };
  walk(dir, true);
  return n;
}

/**
 * Control of a running stack from outside (server/control/routes.ts serves it under
 * /_rekognito/): reset it to its just-started state (all of it or one service), save and
 * restore its whole state under a name, export and import that as one file, move its clock,
 * and enrol fixture personas on demand.
 *
 * Every change of state goes through Generations: a reset or restore closes the services
 * (after the requests in flight finish), puts the files of the state to restore in place,
 * restores DynamoDB's tables through its engine (which keeps running), and builds the
 * services anew over them. The face engine and the DynamoDB engine are built once and shared.
 *
 * Reset goes back to the baseline: a snapshot of the state taken when the stack became
 * ready (markReady), i.e. after the CLI provisioned the face-login app and seeded it. So a
 * reset costs a restore (milliseconds), not a provisioning (a second), and keeps the app's
 * ids (user pool, client, buckets): a test that read them from health before another reset
 * still holds valid names. A persistent data directory keeps its baseline and reuses it
 * while the template, fixtures, setup and version are those it was made with; otherwise the
 * first reset empties the state and sets the stack up anew (and records a new baseline).
 */
export class StackControl {
  private generations!: Generations;
  private endpoint = "";
  private readonly snapshots: SnapshotStore | null;
  private readonly fingerprint: string;
  private freshAtStart = false;
  /** The snapshot --snapshot started from, and its file's hash. */
  private startedFrom: { name: string; hash: string } | null = null;
  private closed = false;

  private constructor(
    private readonly options: AppOptions & ControlOptions,
    readonly clock: Clock,
    /** The state directory (the data directory, or an ephemeral stack's temporary one); null when persistence was injected. */
    readonly stateDir: string | null,
    private readonly temporary: TemporaryState | null,
    private readonly faceEngine: FaceEngine,
    private readonly dynalite: DynaliteEngine | null,
  ) {
    this.snapshots = stateDir ? new SnapshotStore(stateDir) : null;
    this.fingerprint = fingerprintOf(options.setup);
  }

  static async create(options: AppOptions & ControlOptions = {}): Promise<StackControl> {
    const logger = options.logger ?? consoleLogger;
    const ephemeral = options.ephemeral || !options.dataDir;
    let stateDir: string | null = null;
    let temporary: TemporaryState | null = null;
    if (!options.persistence) {
      if (ephemeral) {
        temporary = temporaryState(logger);
        stateDir = temporary.root;
      } else {
        stateDir = options.dataDir!;
        mkdirSync(stateDir, { recursive: true });
      }
    }
    const clock = options.clock ?? systemClock;
    const faceEngine = options.faceEngine ?? createFaceEngine({ mode: options.faces, logger, modelIdleSeconds: options.faceModelIdleSeconds });
    // An engine the caller forked early (the CLI, while the server's code loads) is the stack's from here.
    let dynalite: DynaliteEngine | null = options.dynamodb?.engine ?? null;
    if (!dynalite && !options.storageEndpoint && stateDir) {
      // A persistent stack keeps its LevelDB in the data directory; an ephemeral one lets the
      // engine make (and remove) a temporary one of its own. Tables are snapshotted as JSON.
      const directory = temporary ? null : join(stateDir, "dynamodb");
      if (directory) mkdirSync(directory, { recursive: true });
      const onFirstRequest = options.dynamodb?.startOnFirstRequest === true && emptyDirectory(directory);
      dynalite = new DynaliteEngine({ directory, deadlineMs: options.dynamodb?.deadlineMs ?? DEFAULT_DEADLINE_MS, logger, now: () => clock.now(), onFirstRequest });
    }
    const control = new StackControl({ ...options, clock }, clock, stateDir, temporary, faceEngine, dynalite);
    try {
      await control.start();
    } catch (error) {
      await control.shutdown();
      throw error;
    }
    return control;
  }

  private async start(): Promise<void> {
    const dir = this.stateDir;
    if (dir) {
      const levelDb = join(dir, "dynamodb");
      this.freshAtStart = stateFiles(dir) === 0 && (this.temporary !== null || !existsSync(levelDb) || readdirSync(levelDb).length === 0);
    }
    if (this.options.snapshot) {
      if (!this.snapshots || !dir) throw new Error("--snapshot needs a stack that keeps its state in a directory (not an injected persistence)");
      const file = this.options.snapshot;
      const bytes = readFileSync(file);
      const content = fromBundle(bytes);
      const name = isSnapshotName(content.meta.name ?? "") ? content.meta.name : basename(file).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "imported";
      this.snapshots.write(name, content);
      this.snapshots.restoreFiles(name);
      if (this.dynalite) await restoreTables(this.dynalite, content.tables);
      this.startedFrom = { name, hash: sha256(bytes).slice(0, 12) };
      this.freshAtStart = false;
    }
    const first = await this.build(1, this.options.startReady ?? true);
    if (this.startedFrom) Object.assign(first.app.resources, this.snapshots!.meta(this.startedFrom.name)?.resources ?? {});
    this.generations = new Generations(first, {
      drainMs: this.options.drainMs ?? DEFAULT_DRAIN_MS,
      // The system's own Date is right for the system clock; any other is the stack's to tell.
      ...(this.clock !== systemClock ? { date: () => this.clock.now() } : {}),
    });
  }

  private persistence(): Persistence {
    if (this.options.persistence) return this.options.persistence;
    if (this.temporary) return this.temporary.persistence();
    return filePersistence(this.stateDir!, this.options.logger ?? consoleLogger);
  }

  private async build(number: number, ready: boolean): Promise<Generation> {
    const persistence = this.persistence();
    const app = await buildApp({
      ...this.options,
      persistence,
      clock: this.clock,
      faceEngine: sharedFaceEngine(this.faceEngine),
      dynamodb: { ...this.options.dynamodb, ...(this.dynalite ? { engine: this.dynalite } : {}) },
      startReady: ready,
    });
    app.components.push({
      name: "control",
      health: () => ({
        generation: number,
        clock: clockModeOf(this.clock),
        snapshots: this.snapshots ? this.snapshots.list().length : null,
        baseline: this.baselineState(),
        ...(this.startedFrom ? { startedFrom: `${this.startedFrom.name} (${this.startedFrom.hash})` } : {}),
      }),
      close: async () => {},
    });
    registerControlRoutes(app.fastify, this);
    await app.fastify.ready();
    if (this.endpoint) app.setEndpoint(this.endpoint);
    return { number, app, persistence, inflight: new Set(), streams: new Set(), drained: null };
  }

  // ------------------------------------------------------------------ serving

  /** The services as they are now (a reset or restore builds them anew). */
  get app(): App {
    return this.generations.generation.app;
  }

  get generation(): number {
    return this.generations.generation.number;
  }

  /** The listening server's request handler. */
  get dispatch(): Generations["dispatch"] {
    return this.generations.dispatch;
  }

  setEndpoint(url: string): void {
    this.endpoint = url;
    this.app.setEndpoint(url);
  }

  /**
   * Health answers "ok" from now on, and the state as it is now (the face-login app
   * provisioned, seeded with --seed, or the state --snapshot started from) becomes what a
   * reset goes back to.
   */
  async markReady(): Promise<void> {
    this.app.markReady();
    if (!this.snapshots || !this.stateDir) return;
    if (this.startedFrom) {
      await this.saveBaseline(`snapshot ${this.startedFrom.hash} ${this.fingerprint}`);
      return;
    }
    if (this.freshAtStart) {
      // Nothing was set up (startStack): the baseline is an empty stack, which needs no copy
      // and no wait for the DynamoDB engine.
      if (stateFiles(this.stateDir) === 0) this.saveEmptyBaseline();
      else await this.saveBaseline(this.fingerprint);
      return;
    }
    const stored = this.snapshots.meta(BASELINE);
    if (stored && stored.fingerprint !== this.fingerprint) this.snapshots.delete(BASELINE);
  }

  /**
   * From now on, reset goes back to the state as it is now: for a test that starts a stack,
   * provisions its app (provisionTemplate) and wants each test file to begin from there.
   */
  async setBaseline(): Promise<SnapshotMeta> {
    this.requireState("A baseline");
    await this.saveBaseline(this.fingerprint);
    return this.snapshots!.meta(BASELINE)!;
  }

  private baselineState(): string {
    const meta = this.snapshots?.meta(BASELINE);
    if (!meta) return this.snapshots ? "none yet: the first reset sets the stack up anew" : "unavailable";
    return meta.files === 0 && meta.tables === 0 ? `an empty stack, ${meta.createdAt}` : `taken ${meta.createdAt}`;
  }

  private saveEmptyBaseline(): void {
    // Its files are empty journals: an empty state is the same, and costs nothing to copy.
    this.snapshots!.save({ name: BASELINE, createdAt: new Date(this.clock.now()).toISOString(), version: VERSION, resources: {}, fingerprint: this.fingerprint, contents: {} }, [], { files: false });
  }

  private async saveBaseline(fingerprint: string): Promise<void> {
    await this.generations.exclusive(async (gen) => {
      await this.saveSnapshot(gen, BASELINE, fingerprint);
    });
  }

  private async saveSnapshot(gen: Generation, name: string, fingerprint?: string): Promise<SnapshotMeta> {
    // Background invocations (index-faces after an upload) finish first: their calls still pass.
    const lambda = gen.app.components.find((c) => c.name === "lambda") as LambdaService | undefined;
    if (lambda) await Promise.race([lambda.drain(), new Promise((resolve) => setTimeout(resolve, this.options.drainMs ?? DEFAULT_DRAIN_MS))]);
    const tables = this.dynalite ? await dumpTables(this.dynalite) : [];
    return this.snapshots!.save(
      {
        name,
        createdAt: new Date(this.clock.now()).toISOString(),
        version: VERSION,
        resources: { ...gen.app.resources },
        ...(fingerprint ? { fingerprint } : {}),
        contents: contentsOf(gen.app),
      },
      tables,
    );
  }

  private requireState(what: string): SnapshotStore {
    if (!this.snapshots) {
      throw new ControlError(400, "UnsupportedOperationException", `${what} needs a stack that keeps its state in a directory: this one was given a persistence of its own`);
    }
    return this.snapshots;
  }

  private warnings(): string[] {
    return this.options.storageEndpoint
      ? [`S3 and DynamoDB are kept on ${this.options.storageEndpoint}: only what rekognito keeps of them (bucket notification configurations) is included, not their buckets, objects, tables or items`]
      : [];
  }

  // ------------------------------------------------------------------ reset and restore

  /**
   * Back to the just-started stack: everything, or one service's state (`cognito`, `mailbox`,
   * `rekognition`, `s3`, `dynamodb`, `lambda`). `exempt`: the HTTP request asking, which is
   * not waited for. Idempotent.
   */
  async reset(options: { service?: string } = {}, exempt?: IncomingMessage): Promise<ResetResult> {
    const snapshots = this.requireState("Reset");
    let service: ServiceName | undefined;
    if (options.service !== undefined && options.service !== "" && options.service !== "all") {
      service = serviceNamed(options.service);
      if (!service) throw invalid(`No service ${JSON.stringify(options.service)} to reset: choose one of ${SERVICES.join(", ")}, or none for the whole stack`);
    }
    if (!snapshots.has(BASELINE)) {
      if (service) {
        throw new ControlError(409, "ResourceConflictException", `This stack has no record of its just-started state yet (its data directory predates it, or the template changed): reset the whole stack once, then ${service} alone`);
      }
      return this.resetAnew(exempt);
    }
    const result = await this.replace(BASELINE, service, exempt);
    return { reset: service ?? "all", ...result };
  }

  /** Puts the whole state of snapshot `name` in place of the stack's. */
  async restore(name: string, exempt?: IncomingMessage): Promise<RestoreResult> {
    const snapshots = this.requireState("Restoring a snapshot");
    const meta = this.checkedName(name) && snapshots.meta(name);
    if (!meta) throw notFound(`No snapshot named ${name} (GET /_rekognito/snapshots lists them)`);
    const result = await this.replace(name, undefined, exempt);
    // A snapshot made where the app's code lives elsewhere (another checkout, a container):
    // provisioning again points its functions at this stack's copy of lambdas/ (idempotent).
    const functionsElsewhere = await this.functionsElsewhere();
    if (functionsElsewhere && this.options.setup?.provision) await this.provision();
    return { restored: name, snapshot: meta, ...result, resources: { ...this.app.resources } };
  }

  private async replace(name: string, service: ServiceName | undefined, exempt?: IncomingMessage): Promise<Omit<ResetResult, "reset">> {
    const snapshots = this.snapshots!;
    const started = performance.now();
    return this.generations.exclusive(async (gen) => {
      const before = contentsOf(gen.app);
      const meta = snapshots.meta(name)!;
      const keep = { ...gen.app.resources };
      await this.retire(gen, exempt);
      const tables = this.dynalite && (!service || service === "dynamodb") ? snapshots.tables(name) : undefined;
      const next = await this.rebuild(gen, async () => {
        snapshots.restoreFiles(name, service);
        if (tables) await restoreTables(this.dynalite!, tables);
      });
      Object.assign(next.app.resources, service ? keep : meta.resources);
      const now = contentsOf(next.app);
      // The new DynamoDB component counts its tables in the background: say what was restored.
      if (this.dynalite) now.dynamodb = { tables: tables ? tables.length : (before.dynamodb?.tables ?? 0) };
      return {
        cleared: before,
        now,
        resources: { ...next.app.resources },
        generation: next.number,
        ms: Math.round(performance.now() - started),
        warnings: this.warnings(),
      };
    }, exempt);
  }

  /** No baseline to go back to: empty the state, build anew, set the stack up as at its start, record that. */
  private async resetAnew(exempt?: IncomingMessage): Promise<ResetResult> {
    const started = performance.now();
    const setup = this.options.setup;
    const { before, next } = await this.generations.exclusive(async (gen) => {
      const before = contentsOf(gen.app);
      await this.retire(gen, exempt);
      const next = await this.rebuild(
        gen,
        async () => {
          clearState(this.stateDir!);
          if (this.dynalite) await restoreTables(this.dynalite, []);
        },
        !setup?.provision,
      );
      return { before, next };
    }, exempt);
    // Set up as the CLI does at start, through the stack's own APIs: requests pass meanwhile
    // (health answers "starting" until it is done).
    if (setup?.provision) {
      await this.provision();
      if (setup.seed) await seedPersonas(this.target(), this.app.resources as unknown as FaceLoginResources);
      next.app.markReady();
    }
    if (stateFiles(this.stateDir!) === 0) this.saveEmptyBaseline();
    else await this.saveBaseline(this.fingerprint);
    return {
      reset: "all",
      cleared: before,
      now: contentsOf(this.app),
      resources: { ...this.app.resources },
      generation: this.generation,
      ms: Math.round(performance.now() - started),
      warnings: this.warnings(),
    };
  }

  private async provision(): Promise<void> {
    if (!existsSync(DEFAULT_TEMPLATE)) return;
    await provisionTemplate({ endpoint: this.endpoint, region: this.app.core.defaultRegion, app: this.app });
  }

  /** The stack as provisioning and seeding reach it: in-process, through the services current at each call. */
  private target(): { endpoint: string; readonly app: App } {
    const control = this;
    return {
      endpoint: this.endpoint,
      get app() {
        return control.app;
      },
    };
  }

  /** True when a function's hot-reload directory is missing here (the snapshot came from another checkout). */
  private async functionsElsewhere(): Promise<boolean> {
    const lambda = this.app.components.find((c) => c.name === "lambda") as LambdaService | undefined;
    if (!lambda) return false;
    for (const fn of lambda.backend.registry.list()) {
      if (fn.code.kind === "local" && !existsSync(fn.code.dir)) return true;
    }
    return false;
  }

  /**
   * After `old` was retired: puts the new state in place, builds the services over it and
   * makes them current. Should that fail (a disk error, the DynamoDB engine down), the services
   * are built over whatever state there is, so the stack keeps answering, and the error is thrown.
   */
  private async rebuild(old: Generation, prepare: () => Promise<void>, ready = true): Promise<Generation> {
    let next: Generation;
    try {
      await prepare();
      next = await this.build(old.number + 1, ready);
    } catch (error) {
      (this.options.logger ?? consoleLogger).error(`[control] the state could not be put in place: ${(error as Error).message}; serving what there is`);
      this.generations.swap(await this.build(old.number + 1, true));
      throw error;
    }
    this.generations.swap(next);
    return next;
  }

  /** Takes a generation out of service: its services close, its journals refuse writes, its streams end. */
  private async retire(gen: Generation, exempt?: IncomingMessage): Promise<void> {
    try {
      await gen.app.close();
    } finally {
      gen.persistence.seal?.("rekognito was reset or restored while this request ran: its change was not kept");
      Generations.cut(gen, exempt);
    }
  }

  // ------------------------------------------------------------------ snapshots

  private checkedName(name: string): true {
    if (!isSnapshotName(name)) {
      throw invalid(`A snapshot's name is 1 to 128 letters, digits, dots, dashes and underscores, starting with a letter or digit: ${JSON.stringify(name)} is not one`);
    }
    return true;
  }

  /** Saves the whole state under `name` (replacing a snapshot of that name). */
  async snapshot(name: string, exempt?: IncomingMessage): Promise<SnapshotMeta & { ms: number; replaced: boolean; warnings: string[] }> {
    const snapshots = this.requireState("A snapshot");
    this.checkedName(name);
    const started = performance.now();
    const replaced = snapshots.has(name);
    const meta = await this.generations.exclusive((gen) => this.saveSnapshot(gen, name), exempt);
    return { ...meta, ms: Math.round(performance.now() - started), replaced, warnings: this.warnings() };
  }

  listSnapshots(): SnapshotMeta[] {
    return this.requireState("Snapshots").list();
  }

  describeSnapshot(name: string): SnapshotMeta {
    this.checkedName(name);
    const meta = this.requireState("Snapshots").meta(name);
    if (!meta) throw notFound(`No snapshot named ${name}`);
    return meta;
  }

  deleteSnapshot(name: string): SnapshotMeta {
    const meta = this.describeSnapshot(name);
    this.snapshots!.delete(name);
    return meta;
  }

  /** The snapshot as one JSON file (its files in base64): commit it, start a stack from it with --snapshot. */
  exportSnapshot(name: string): Buffer {
    this.describeSnapshot(name);
    return toBundle(this.snapshots!.read(name));
  }

  /** Keeps an exported snapshot under `name` (replacing one of that name); restore() puts it in place. */
  importSnapshot(name: string, bytes: Buffer): SnapshotMeta {
    const snapshots = this.requireState("Importing a snapshot");
    this.checkedName(name);
    let content;
    try {
      content = fromBundle(bytes);
    } catch (error) {
      throw invalid((error as Error).message);
    }
    return snapshots.write(name, content);
  }

  // ------------------------------------------------------------------ the clock

  clockState(): ClockState {
    const now = this.clock.now();
    return {
      mode: clockModeOf(this.clock),
      controllable: isControllable(this.clock),
      now: new Date(now).toISOString(),
      epochMs: now,
      offsetMs: now - Date.now(),
    };
  }

  private controllableClock() {
    if (!isControllable(this.clock)) {
      throw new ControlError(
        400,
        "UnsupportedOperationException",
        "This stack runs on the system clock, which rekognito does not move: start it with --clock manual (time stands still unless moved) or --clock offset (time flows, and can jump ahead), REKOGNITO_CLOCK, or startStack({ clock: new ManualClock() }) in-process",
      );
    }
    return this.clock;
  }

  /** Moves the stack's time forward by `ms`. */
  advanceClock(ms: number): ClockState {
    const clock = this.controllableClock();
    if (!Number.isFinite(ms) || ms <= 0) throw invalid(`advance takes a positive duration (ms, or ISO 8601 such as PT5M); got ${ms}. To go back in time, set the clock explicitly`);
    clock.advance(ms);
    return this.clockState();
  }

  /** Puts the stack's time at `time`, forwards or backwards. */
  setClock(time: number): ClockState {
    const clock = this.controllableClock();
    if (!Number.isFinite(time)) throw invalid("set takes a time: ISO 8601 (2027-01-01T00:00:00Z) or milliseconds since the epoch");
    clock.set(time);
    return this.clockState();
  }

  // ------------------------------------------------------------------ seeding

  /** Enrols fixture personas (all, or those named by id or email) through the real sign-up flow. */
  async seed(personas?: string[]): Promise<SeedResult> {
    const resources = this.app.resources as Partial<FaceLoginResources>;
    if (!resources.userPoolClientId || !resources.region) {
      throw new ControlError(409, "ResourceConflictException", "No face-login app is provisioned in this stack (started with --bare?): there is nothing to seed");
    }
    const all = readPersonas(DEFAULT_MANIFEST);
    let chosen = all;
    if (personas !== undefined) {
      const wanted = personas.map((p) => p.toLowerCase());
      const unknown = wanted.filter((w) => !all.some((p) => p.id === w || p.email.toLowerCase() === w));
      if (unknown.length) throw invalid(`No fixture persona ${unknown.join(", ")}: the personas are ${all.map((p) => p.id).join(", ")}`);
      chosen = all.filter((p) => wanted.includes(p.id) || wanted.includes(p.email.toLowerCase()));
    }
    const started = performance.now();
    const client = enrolmentClient(this.target(), { region: resources.region, userPoolClientId: resources.userPoolClientId });
    const seeded: SeedResult["seeded"] = [];
    for (const persona of chosen) {
      let outcome: EnrolOutcome;
      try {
        outcome = await enrol(client, persona.email, readFileSync(persona.document));
      } catch (error) {
        // The stack's own flow failed (a trigger that timed out while its environment started):
        // say which persona, and what was done before it.
        const done = seeded.length ? `; enrolled before it: ${seeded.map((s) => s.persona).join(", ")}` : "";
        throw new ControlError(503, "ServiceUnavailableException", `Seeding ${persona.id} (${persona.email}) failed: ${(error as Error).name}: ${(error as Error).message}${done}`);
      }
      seeded.push({ persona: persona.id, email: persona.email, outcome });
    }
    return { seeded, ms: Math.round(performance.now() - started) };
  }

  // ------------------------------------------------------------------ closing

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.generations.generation.app.close();
    } finally {
      await this.shutdown();
    }
  }

  private async shutdown(): Promise<void> {
    await this.faceEngine.close?.();
    await this.dynalite?.close();
    this.temporary?.remove();
  }
}

/** What a baseline depends on: rekognito's version, the template, the fixtures and the setup. */
function fingerprintOf(setup: StackSetup | undefined): string {
  const parts = [`rekognito ${VERSION}`, `setup ${JSON.stringify(setup ?? null)}`];
  if (setup?.provision && existsSync(DEFAULT_TEMPLATE)) parts.push(`template ${sha256(readFileSync(DEFAULT_TEMPLATE))}`);
  if (setup?.seed && existsSync(DEFAULT_MANIFEST)) parts.push(`fixtures ${sha256(readFileSync(DEFAULT_MANIFEST))}`);
  return sha256(parts.join("\n")).slice(0, 16);
}
