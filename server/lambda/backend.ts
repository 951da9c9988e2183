import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import type { AliasConfiguration, FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { CoreServices } from "../core/services.js";
import { EMULATED_AWS_HOST_PATTERN } from "../protocol/aws-hosts.js";
import { prepareHandler } from "./builds.js";
import { checkLocalDirectory, codeSha256, fingerprint, HOT_RELOAD_BUCKET, MAX_UNZIPPED_BYTES, removeDirectory, unpackZip } from "./code.js";
import type { EnvironmentSpec, Launch } from "./environment.js";
import { LambdaError, LambdaErrors } from "./errors.js";
import {
  FunctionRegistry,
  type FunctionCodeSource,
  type FunctionState,
  type PolicyStatement,
  type StoredAlias,
  type StoredFunction,
  type StoredVersion,
} from "./functions.js";
import { Layers } from "./layers.js";
import { Runner, type RunOutcome } from "./runner.js";
import { checkRuntime, customBootstrap, defaultPython, familyOf, layerPaths, prependPath, PYTHON_BOOTSTRAP, pythonInstallation, pythonMissing } from "./runtimes.js";
import type { Timers } from "./timers.js";
import type { InvokeResult, LambdaInvoker } from "./types.js";
import type { TraceLink } from "../core/traces.js";

export { SUPPORTED_RUNTIMES } from "./runtimes.js";

/** Keys AWS keeps for itself in a function's environment. */
const RESERVED_ENV = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/**
 * The node_modules directory holding rekognito's AWS SDK v3, which AWS's Node.js runtimes
 * provide to every function. Functions see it through `<codeRoot>/node_modules`, which holds
 * links to its scopes only (linkProvidedSdk): CommonJS through NODE_PATH, ESM imports from a zip
 * function by Node's own resolution, and from a local directory outside any node_modules tree
 * through the resolve hook in runtime/runtime-modules.mjs (a hook costs a loader thread in
 * every environment, hence links). Not rekognito's whole node_modules: AWS's runtimes carry the
 * SDK v3 and nothing else, so `require("aws-sdk")` (v2) or `require("fastify")` fails here as
 * there, Runtime.ImportModuleError, unless the package carries it.
 */
const PROVIDED_MODULES = (() => {
  try {
    const entry = createRequire(import.meta.url).resolve("@aws-sdk/client-s3");
    const at = entry.lastIndexOf(`${"/"}node_modules${"/"}`);
    return at >= 0 ? entry.slice(0, at + "/node_modules".length) : "";
  } catch {
    return "";
  }
})();

export const DEFAULT_TIMEOUT_SECONDS = 3;
/**
 * How long an execution environment stays warm with nothing to do before it is reclaimed,
 * seconds (--lambda-idle-seconds). AWS reclaims idle environments within minutes (not
 * documented to the second); five minutes keeps a developer's next try warm.
 */
export const DEFAULT_IDLE_SECONDS = 300;
/** The account's concurrency (AWS's default quota) and the share reservations must leave. */
const ACCOUNT_CONCURRENCY = 1000;
const MIN_UNRESERVED_CONCURRENCY = 100;
export const MAX_TIMEOUT_SECONDS = 900;
export const DEFAULT_MEMORY_MB = 128;
/** Synchronous invocation request payload limit, bytes (6 MB). */
export const MAX_SYNC_PAYLOAD = 6_291_456;
/**
 * The largest synchronous response: AWS documents 6 MB and refuses anything over the figure its
 * error message gives, "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
 */
export const MAX_RESPONSE_PAYLOAD = 6_291_556;
/** Asynchronous (Event) invocation payload limit, bytes (1 MB since October 2025; 256 KB before). */
export const MAX_ASYNC_PAYLOAD = 1_048_576;
/**
 * What an execution environment may hold beyond its MemorySize before it is killed as out of
 * memory, MB: its resident set counts the interpreter's own pages (the node binary, ~30 MB of a
 * bare environment's 42 MB), shared with every other process running it, which AWS's sandbox
 * does not charge to the function the same way.
 */
export const RUNTIME_MEMORY_ALLOWANCE_MB = 32;
/** Bytes of a handler's output printed to the server log per invocation (the rest is counted). */
export const PRINTED_LOG_BYTES = 256 * 1024;
/** AWS's scopes of the SDK v3 packages its Node.js runtimes provide. */
const PROVIDED_SCOPES = ["@aws-sdk", "@smithy", "@aws-crypto"];

/** What CreateFunction and UpdateFunctionCode take as code, with ZipFile still base64 text. */
export interface CodeInput {
  ZipFile?: string | Buffer;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

export interface ConfigurationInput {
  Runtime?: string;
  Role?: string;
  Handler?: string;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  Environment?: { Variables?: Record<string, string> };
  Architectures?: string[];
  Layers?: string[];
  FileSystemConfigs?: unknown[];
  ImageConfig?: unknown;
  PackageType?: string;
}

export interface LambdaBackendOptions {
  /** Warm execution environments one function may keep; concurrent invocations beyond it queue. Default 4. */
  maxEnvironmentsPerFunction?: number;
  /**
   * Execution environments the whole stack may keep (default: what fits a quarter of the
   * machine's memory at ~128 MB each, 4 to 32). When they are all in use, a new one takes the
   * place of the least recently used idle one; with none idle, invocations wait.
   */
  maxEnvironments?: number;
  /** Seconds an idle environment stays before it is reclaimed (default DEFAULT_IDLE_SECONDS). */
  idleSeconds?: number;
  /** What an environment may hold beyond its MemorySize, MB (default RUNTIME_MEMORY_ALLOWANCE_MB). */
  memoryAllowanceMb?: number;
  /** Bytes of a handler's output printed to the server log per invocation (default 256 KiB). */
  printedLogBytesPerInvocation?: number;
  /** The timers deadlines run on (tests pass ManualTimers and move time). */
  timers?: Timers;
  /** The python3 Python functions run on (default: REKOGNITO_PYTHON, or python3 on PATH). */
  python?: string;
}

/** The stack-wide cap on environments that fits a laptop: a quarter of its memory at ~128 MB each, 4 to 32. */
export function defaultMaxEnvironments(): number {
  const byMemory = Math.floor(totalmem() / 4 / (128 * 1048576));
  return Math.max(4, Math.min(32, byMemory, cpus().length * 8));
}

export interface ParsedName {
  name: string;
  qualifier?: string;
}

/** What an invocation runs: a function at $LATEST, at a published version, or through an alias. */
export interface Target {
  fn: StoredFunction;
  /** Its configuration and code at that version. */
  state: FunctionState;
  /** "$LATEST" or the version number (an alias resolved). */
  version: string;
  /** The qualifier the caller named (a version, an alias), if any. */
  qualifier?: string;
  /** The ARN invoked: qualified when the caller qualified it. */
  arn: string;
}

const NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const VERSION = /^\d+$/;

/** AWS's LastModified: 2024-01-01T12:00:00.000+0000 */
function lastModified(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** The fields of a function's state that make it a new version when they change. */
function versionSignature(state: FunctionState): string {
  return JSON.stringify([
    state.codeSha256,
    state.runtime,
    state.role,
    state.handler,
    state.description,
    state.timeout,
    state.memorySize,
    state.environment,
    state.architectures,
    state.layers ?? [],
    state.code,
  ]);
}

function stateOf(fn: StoredFunction): FunctionState {
  return {
    runtime: fn.runtime,
    role: fn.role,
    handler: fn.handler,
    description: fn.description,
    timeout: fn.timeout,
    memorySize: fn.memorySize,
    environment: { ...fn.environment },
    architectures: [...fn.architectures],
    codeSha256: fn.codeSha256,
    codeSize: fn.codeSize,
    lastModified: fn.lastModified,
    revisionId: fn.revisionId,
    code: fn.code,
    ...(fn.layers?.length ? { layers: [...fn.layers] } : {}),
  };
}

/**
 * Lambda's state and rules, one method per action, no HTTP: the function registry (journaled),
 * versions, aliases and layers, the code on disk and the runner of execution environments.
 */
export class LambdaBackend implements LambdaInvoker {
  readonly registry: FunctionRegistry;
  readonly layers: Layers;
  readonly runner: Runner;
  /** Where zip packages are unpacked: the data directory's lambda/ or a temporary directory. */
  readonly codeRoot: string;
  /** Signs Code.Location URLs (a fresh key per stack: a URL outlives neither it nor its expiry). */
  readonly locationKey: Buffer;
  private readonly temporary: boolean;
  private readonly pendingAsync = new Set<Promise<unknown>>();
  /** Each pool's environment spec, with the configuration it was made for. */
  private readonly specs = new Map<string, { cacheKey: string; key: string; spec: EnvironmentSpec }>();
  /** Alias routing's running tally per alias ARN (weighted, deterministic). */
  private readonly routed = new Map<string, number>();
  private readonly python: string;
  /** The folder with the AWS SDK v3 packages functions are provided (NODE_PATH's). */
  private readonly providedModules: string;

  constructor(
    private readonly core: CoreServices,
    options: LambdaBackendOptions = {},
  ) {
    const dir = core.persistence.directory("lambda");
    this.temporary = dir === null;
    this.codeRoot = dir ?? mkdtempSync(join(tmpdir(), "rekognito-lambda-"));
    this.registry = new FunctionRegistry(core.persistence.journal("lambda-functions"));
    this.layers = new Layers(core, this.codeRoot);
    this.locationKey = core.ids.bytes(32);
    this.python = options.python ?? defaultPython();
    this.runner = new Runner({
      logger: core.logger,
      now: () => new Date(core.clock.now()).toISOString(),
      logStreamName: (version) => {
        const day = new Date(core.clock.now()).toISOString().slice(0, 10).replace(/-/g, "/");
        return `${day}/[${version}]${core.ids.bytes(16).toString("hex")}`;
      },
      maxEnvironmentsPerFunction: options.maxEnvironmentsPerFunction ?? 4,
      maxEnvironments: options.maxEnvironments ?? defaultMaxEnvironments(),
      idleMs: (options.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000,
      memoryAllowanceMb: options.memoryAllowanceMb ?? RUNTIME_MEMORY_ALLOWANCE_MB,
      maxResponseBytes: MAX_RESPONSE_PAYLOAD,
      printedLogBytesPerInvocation: options.printedLogBytesPerInvocation ?? PRINTED_LOG_BYTES,
      timers: options.timers,
    });
    this.providedModules = linkProvidedSdk(this.codeRoot);
  }

  // --- names ---

  parseName(nameOrArn: string): ParsedName {
    const m = NAME.exec(nameOrArn);
    if (!m) return { name: nameOrArn };
    return m[2] ? { name: m[1]!, qualifier: m[2] } : { name: m[1]! };
  }

  arnOf(name: string, region: string = this.core.defaultRegion): string {
    return `arn:aws:lambda:${region}:${this.core.accountId}:function:${name}`;
  }

  /** The qualifier of a name or ARN and a Qualifier parameter, which must agree (AWS's check). */
  private qualifierOf(nameOrArn: string, qualifier: string | undefined): { name: string; qualifier?: string } {
    const parsed = this.parseName(nameOrArn);
    if (qualifier !== undefined && parsed.qualifier !== undefined && qualifier !== parsed.qualifier) {
      throw LambdaErrors.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
    }
    const q = qualifier ?? parsed.qualifier;
    return q === undefined ? { name: parsed.name } : { name: parsed.name, qualifier: q };
  }

  /** The function, or ResourceNotFoundException worded as AWS words it; a qualifier must name $LATEST, a version or an alias. */
  require(nameOrArn: string, region?: string, qualifier?: string): StoredFunction {
    return this.resolve(nameOrArn, region, qualifier).fn;
  }

  /** What a name, ARN or qualifier designates: the function at $LATEST, a version, or an alias's version. */
  resolve(nameOrArn: string, region?: string, qualifier?: string, options: { route?: boolean } = {}): Target {
    const { name, qualifier: q } = this.qualifierOf(nameOrArn, qualifier);
    const fn = this.registry.get(name);
    const arn = this.arnOf(name, fn?.region ?? region);
    if (!fn) throw LambdaErrors.functionNotFound(q !== undefined && q !== "$LATEST" ? `${arn}:${q}` : arn);
    if (q === undefined || q === "$LATEST") {
      return { fn, state: fn, version: "$LATEST", ...(q ? { qualifier: q } : {}), arn: q ? `${fn.arn}:${q}` : fn.arn };
    }
    if (VERSION.test(q)) {
      const version = fn.versions?.find((v) => v.version === q);
      if (!version) throw LambdaErrors.functionNotFound(`${fn.arn}:${q}`);
      return { fn, state: version, version: q, qualifier: q, arn: `${fn.arn}:${q}` };
    }
    const alias = fn.aliases?.find((a) => a.name === q);
    if (!alias) throw LambdaErrors.functionNotFound(`${fn.arn}:${q}`);
    const versionName = options.route ? this.route(fn, alias) : alias.functionVersion;
    const state = versionName === "$LATEST" ? fn : fn.versions?.find((v) => v.version === versionName);
    if (!state) throw LambdaErrors.functionNotFound(`${fn.arn}:${versionName}`);
    return { fn, state, version: versionName, qualifier: q, arn: `${fn.arn}:${q}` };
  }

  /**
   * The version an alias sends this call to: its AdditionalVersionWeights share the calls with
   * its main version, in proportion, deterministically (a running tally rather than a coin).
   */
  private route(fn: StoredFunction, alias: StoredAlias): string {
    const weights = Object.entries(alias.weights ?? {});
    if (!weights.length) return alias.functionVersion;
    const key = `${fn.arn}:${alias.name}`;
    const n = (this.routed.get(key) ?? 0) + 1;
    this.routed.set(key, n);
    // Call n goes to the version whose cumulative share first exceeds the fractional position.
    const position = ((n * 0.6180339887498949) % 1 + 1) % 1;
    let cumulative = 0;
    for (const [version, weight] of weights) {
      cumulative += weight;
      if (position < cumulative) return version;
    }
    return alias.functionVersion;
  }

  exists(nameOrArn: string): boolean {
    try {
      this.resolve(nameOrArn);
      return true;
    } catch {
      return false;
    }
  }

  // --- functions ---

  async createFunction(name: string, region: string, input: ConfigurationInput & { Code: CodeInput; Tags?: Record<string, string>; Publish?: boolean }): Promise<StoredFunction> {
    if (this.registry.get(name)) throw LambdaErrors.functionExists(name);
    this.checkConfiguration(input);
    if (!input.Runtime || !input.Handler) {
      throw LambdaErrors.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    }
    const revisionId = this.core.ids.uuid();
    const code = await this.installCode(name, revisionId, input.Code);
    let fn: StoredFunction = {
      name,
      arn: this.arnOf(name, region),
      region,
      runtime: input.Runtime,
      role: input.Role ?? "",
      handler: input.Handler,
      description: input.Description ?? "",
      timeout: input.Timeout ?? DEFAULT_TIMEOUT_SECONDS,
      memorySize: input.MemorySize ?? DEFAULT_MEMORY_MB,
      environment: { ...(input.Environment?.Variables ?? {}) },
      architectures: input.Architectures ?? ["x86_64"],
      codeSha256: code.sha256,
      codeSize: code.size,
      lastModified: this.core.clock.now(),
      revisionId,
      code: code.source,
      ...(input.Layers?.length ? { layers: [...input.Layers] } : {}),
      policy: [],
      tags: { ...(input.Tags ?? {}) },
    };
    this.registry.put(fn);
    if (input.Publish) fn = this.publish(fn, "").fn;
    this.prepare(fn);
    return fn;
  }

  async updateFunctionCode(nameOrArn: string, region: string, input: CodeInput & { DryRun?: boolean; Architectures?: string[]; Publish?: boolean; RevisionId?: string }): Promise<{ fn: StoredFunction; version?: StoredVersion }> {
    const fn = this.require(nameOrArn, region);
    this.checkRevision(fn, input.RevisionId);
    if (input.DryRun) {
      this.checkCodeInput(input);
      return { fn };
    }
    const revisionId = this.core.ids.uuid();
    const code = await this.installCode(fn.name, revisionId, input);
    const previous = fn.code;
    const updated: StoredFunction = {
      ...fn,
      codeSha256: code.sha256,
      codeSize: code.size,
      code: code.source,
      architectures: input.Architectures ?? fn.architectures,
      lastModified: this.core.clock.now(),
      revisionId,
    };
    this.registry.put(updated);
    this.runner.reset(this.poolOf(fn.name, "$LATEST"));
    this.removeCodeUnlessUsed(updated, previous);
    this.prepare(updated);
    if (input.Publish) {
      const published = this.publish(updated, "");
      return { fn: published.fn, version: published.version };
    }
    return { fn: updated };
  }

  updateFunctionConfiguration(nameOrArn: string, region: string, input: ConfigurationInput & { RevisionId?: string }): StoredFunction {
    const fn = this.require(nameOrArn, region);
    this.checkConfiguration(input);
    this.checkRevision(fn, input.RevisionId);
    const updated: StoredFunction = {
      ...fn,
      runtime: input.Runtime ?? fn.runtime,
      role: input.Role ?? fn.role,
      handler: input.Handler ?? fn.handler,
      description: input.Description ?? fn.description,
      timeout: input.Timeout ?? fn.timeout,
      memorySize: input.MemorySize ?? fn.memorySize,
      environment: input.Environment ? { ...(input.Environment.Variables ?? {}) } : fn.environment,
      lastModified: this.core.clock.now(),
      revisionId: this.core.ids.uuid(),
    };
    if (input.Layers !== undefined) {
      if (input.Layers.length) updated.layers = [...input.Layers];
      else delete updated.layers;
    }
    this.registry.put(updated);
    this.runner.reset(this.poolOf(fn.name, "$LATEST"));
    this.prepare(updated);
    return updated;
  }

  /** Deletes the function (every version and alias), or one version with a qualifier. */
  deleteFunction(nameOrArn: string, region: string, qualifier?: string): void {
    const { name, qualifier: q } = this.qualifierOf(nameOrArn, qualifier);
    const fn = this.registry.get(name);
    if (!fn) throw LambdaErrors.functionNotFound(this.arnOf(name, region));
    if (q === "$LATEST") throw LambdaErrors.invalidParameter("$LATEST version cannot be deleted without deleting the function.");
    if (q !== undefined) {
      if (!VERSION.test(q)) {
        // An alias is deleted with DeleteAlias; AWS refuses it here.
        throw LambdaErrors.invalidParameter(`Deletion of aliases is not supported via DeleteFunction. Use DeleteAlias instead.`);
      }
      const version = fn.versions?.find((v) => v.version === q);
      // A version that does not exist: nothing to do, as AWS answers (204).
      if (!version) return;
      const users = (fn.aliases ?? []).filter((a) => a.functionVersion === q || a.weights?.[q] !== undefined).map((a) => a.name);
      if (users.length) throw LambdaErrors.versionInUse(users);
      const rest = { ...fn, versions: fn.versions!.filter((v) => v !== version) };
      this.registry.put(rest);
      this.runner.reset(this.poolOf(fn.name, q));
      this.removeCodeUnlessUsed(rest, version.code);
      this.releaseLayers(version.layers);
      return;
    }
    this.registry.delete(fn.name);
    for (const version of ["$LATEST", ...(fn.versions ?? []).map((v) => v.version)]) this.runner.reset(this.poolOf(fn.name, version));
    for (const state of [fn, ...(fn.versions ?? [])]) {
      this.removeCodeUnlessUsed(undefined, state.code);
      this.releaseLayers(state.layers);
    }
  }

  /** AWS's FunctionConfiguration of a function at $LATEST or at a version (`arn`: the ARN as asked, an alias's). */
  configuration(fn: StoredFunction, version: StoredVersion | null = null, arn?: string): FunctionConfiguration {
    const state: FunctionState = version ?? fn;
    const config: FunctionConfiguration = {
      FunctionName: fn.name,
      FunctionArn: arn ?? (version ? `${fn.arn}:${version.version}` : fn.arn),
      Runtime: state.runtime as FunctionConfiguration["Runtime"],
      Role: state.role,
      Handler: state.handler,
      CodeSize: state.codeSize,
      Description: state.description,
      Timeout: state.timeout,
      MemorySize: state.memorySize,
      LastModified: lastModified(state.lastModified),
      CodeSha256: state.codeSha256,
      Version: version ? version.version : "$LATEST",
      TracingConfig: { Mode: "PassThrough" },
      RevisionId: state.revisionId,
      State: "Active",
      LastUpdateStatus: "Successful",
      PackageType: "Zip",
      Architectures: state.architectures as FunctionConfiguration["Architectures"],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    };
    if (Object.keys(state.environment).length) config.Environment = { Variables: { ...state.environment } };
    if (state.layers?.length) {
      config.Layers = state.layers.map((layerArn) => {
        const found = this.layers.byArn(layerArn);
        return { Arn: layerArn, CodeSize: found?.version.codeSize ?? 0 };
      });
    }
    return config;
  }

  /** The configuration a resolved target answers with (GetFunction with a qualifier). */
  configurationOf(target: Target): FunctionConfiguration {
    const version = target.version === "$LATEST" ? null : (target.state as StoredVersion);
    return this.configuration(target.fn, version, target.qualifier && target.qualifier !== target.version ? target.arn : undefined);
  }

  /** The deployment package of a zip function (or version), for GetFunction's Code.Location. */
  zipOf(state: FunctionState): Buffer | undefined {
    if (state.code.kind !== "zip") return undefined;
    try {
      return readFileSync(join(this.codeRoot, state.code.zipPath));
    } catch {
      return undefined;
    }
  }

  // --- versions ---

  /**
   * PublishVersion: a snapshot of $LATEST's code and configuration as version N. As AWS, when
   * neither changed since the last version, that version is returned and no new one made.
   */
  publishVersion(nameOrArn: string, region: string, input: { CodeSha256?: string; Description?: string; RevisionId?: string }): StoredVersion {
    const fn = this.require(nameOrArn, region);
    this.checkRevision(fn, input.RevisionId);
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== fn.codeSha256) {
      throw LambdaErrors.invalidParameter(
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${fn.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    return this.publish(fn, input.Description).version;
  }

  private publish(fn: StoredFunction, description: string | undefined): { fn: StoredFunction; version: StoredVersion } {
    const last = fn.versions?.[fn.versions.length - 1];
    if (last && versionSignature(last) === versionSignature({ ...stateOf(fn), description: last.description })) return { fn, version: last };
    const number = fn.nextVersion ?? (fn.versions?.length ? Math.max(...fn.versions.map((v) => Number(v.version))) + 1 : 1);
    const version: StoredVersion = {
      ...stateOf(fn),
      version: String(number),
      description: description ?? fn.description,
      lastModified: this.core.clock.now(),
      revisionId: this.core.ids.uuid(),
    };
    const updated: StoredFunction = { ...fn, versions: [...(fn.versions ?? []), version], nextVersion: number + 1, revisionId: this.core.ids.uuid() };
    this.registry.put(updated);
    return { fn: updated, version };
  }

  /** $LATEST and every published version, oldest first (ListVersionsByFunction). */
  versionsOf(fn: StoredFunction): FunctionConfiguration[] {
    return [this.configuration(fn), ...(fn.versions ?? []).map((v) => this.configuration(fn, v))];
  }

  // --- aliases ---

  createAlias(nameOrArn: string, region: string, input: { Name: string; FunctionVersion: string; Description?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } }): AliasConfiguration {
    const fn = this.require(nameOrArn, region);
    const arn = `${fn.arn}:${input.Name}`;
    if (fn.aliases?.some((a) => a.name === input.Name)) throw LambdaErrors.aliasExists(arn);
    this.checkAliasTarget(fn, input.FunctionVersion, input.RoutingConfig?.AdditionalVersionWeights);
    const alias: StoredAlias = {
      name: input.Name,
      functionVersion: input.FunctionVersion,
      description: input.Description ?? "",
      revisionId: this.core.ids.uuid(),
      ...(input.RoutingConfig?.AdditionalVersionWeights && Object.keys(input.RoutingConfig.AdditionalVersionWeights).length
        ? { weights: { ...input.RoutingConfig.AdditionalVersionWeights } }
        : {}),
    };
    this.registry.put({ ...fn, aliases: [...(fn.aliases ?? []), alias] });
    return this.aliasConfiguration(fn, alias);
  }

  getAlias(nameOrArn: string, region: string, name: string): AliasConfiguration {
    const fn = this.require(nameOrArn, region);
    const alias = fn.aliases?.find((a) => a.name === name);
    if (!alias) throw LambdaErrors.aliasNotFound(`${fn.arn}:${name}`);
    return this.aliasConfiguration(fn, alias);
  }

  updateAlias(
    nameOrArn: string,
    region: string,
    name: string,
    input: { FunctionVersion?: string; Description?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> }; RevisionId?: string },
  ): AliasConfiguration {
    const fn = this.require(nameOrArn, region);
    const alias = fn.aliases?.find((a) => a.name === name);
    if (!alias) throw LambdaErrors.aliasNotFound(`${fn.arn}:${name}`);
    if (input.RevisionId !== undefined && input.RevisionId !== alias.revisionId) throw LambdaErrors.preconditionFailed();
    const functionVersion = input.FunctionVersion ?? alias.functionVersion;
    const weights = input.RoutingConfig ? input.RoutingConfig.AdditionalVersionWeights ?? {} : (alias.weights ?? {});
    this.checkAliasTarget(fn, functionVersion, weights);
    const updated: StoredAlias = {
      name,
      functionVersion,
      description: input.Description ?? alias.description,
      revisionId: this.core.ids.uuid(),
      ...(Object.keys(weights).length ? { weights: { ...weights } } : {}),
    };
    this.registry.put({ ...fn, aliases: fn.aliases!.map((a) => (a === alias ? updated : a)) });
    this.routed.delete(`${fn.arn}:${name}`);
    return this.aliasConfiguration(fn, updated);
  }

  /** Deleting an alias that does not exist succeeds, as on AWS (204). */
  deleteAlias(nameOrArn: string, region: string, name: string): void {
    const fn = this.require(nameOrArn, region);
    if (!fn.aliases?.some((a) => a.name === name)) return;
    const policies = { ...(fn.qualifiedPolicies ?? {}) };
    delete policies[name];
    this.registry.put({ ...fn, aliases: fn.aliases.filter((a) => a.name !== name), qualifiedPolicies: policies });
  }

  aliasesOf(fn: StoredFunction, functionVersion?: string): AliasConfiguration[] {
    return (fn.aliases ?? []).filter((a) => functionVersion === undefined || a.functionVersion === functionVersion).map((a) => this.aliasConfiguration(fn, a));
  }

  aliasConfiguration(fn: StoredFunction, alias: StoredAlias): AliasConfiguration {
    return {
      AliasArn: `${fn.arn}:${alias.name}`,
      Name: alias.name,
      FunctionVersion: alias.functionVersion,
      Description: alias.description,
      RevisionId: alias.revisionId,
      ...(alias.weights ? { RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } } } : {}),
    };
  }

  private checkAliasTarget(fn: StoredFunction, functionVersion: string, weights: Record<string, number> | undefined): void {
    const exists = (v: string) => v === "$LATEST" || fn.versions?.some((x) => x.version === v);
    if (!exists(functionVersion)) throw LambdaErrors.functionNotFound(`${fn.arn}:${functionVersion}`);
    const entries = Object.entries(weights ?? {});
    if (!entries.length) return;
    if (entries.length > 1) throw LambdaErrors.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
    const [version, weight] = entries[0]!;
    if (functionVersion === "$LATEST" || version === "$LATEST") {
      throw LambdaErrors.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (version === functionVersion) throw LambdaErrors.invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    if (!exists(version)) throw LambdaErrors.functionNotFound(`${fn.arn}:${version}`);
    if (!(weight >= 0 && weight <= 1)) throw LambdaErrors.invalidParameter("Invalid value for the version weight: it must be between 0.0 and 1.0.");
  }

  // --- concurrency ---

  putConcurrency(nameOrArn: string, region: string, reserved: number): number {
    const fn = this.require(nameOrArn, region);
    const others = this.registry.list().reduce((sum, f) => (f.name === fn.name ? sum : sum + (f.reservedConcurrency ?? 0)), 0);
    if (ACCOUNT_CONCURRENCY - others - reserved < MIN_UNRESERVED_CONCURRENCY) {
      throw LambdaErrors.invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED_CONCURRENCY}].`,
      );
    }
    this.registry.put({ ...fn, reservedConcurrency: reserved });
    return reserved;
  }

  getConcurrency(nameOrArn: string, region: string): number | undefined {
    return this.require(nameOrArn, region).reservedConcurrency;
  }

  deleteConcurrency(nameOrArn: string, region: string): void {
    const fn = this.require(nameOrArn, region);
    const { reservedConcurrency: _, ...rest } = fn;
    this.registry.put(rest);
  }

  // --- permissions ---

  /** The resource policy of a function, or of one of its versions or aliases. */
  policyOf(fn: StoredFunction, qualifier?: string): PolicyStatement[] {
    if (qualifier === undefined || qualifier === "$LATEST") return fn.policy;
    return fn.qualifiedPolicies?.[qualifier] ?? [];
  }

  addPermission(
    nameOrArn: string,
    region: string,
    input: { StatementId: string; Action: string; Principal: string; SourceArn?: string; SourceAccount?: string; RevisionId?: string; Qualifier?: string },
  ): PolicyStatement {
    const target = this.resolve(nameOrArn, region, input.Qualifier);
    const fn = target.fn;
    this.checkRevision(fn, input.RevisionId);
    const qualifier = target.qualifier === "$LATEST" ? undefined : target.qualifier;
    const existing = this.policyOf(fn, qualifier);
    if (existing.some((s) => s.Sid === input.StatementId)) throw LambdaErrors.statementExists(input.StatementId);
    const principal = /^\d{12}$/.test(input.Principal)
      ? { AWS: `arn:aws:iam::${input.Principal}:root` }
      : input.Principal.includes(".")
        ? { Service: input.Principal }
        : input.Principal === "*"
          ? "*"
          : { AWS: input.Principal };
    const statement: PolicyStatement = {
      Sid: input.StatementId,
      Effect: "Allow",
      Principal: principal,
      Action: input.Action,
      Resource: qualifier ? `${fn.arn}:${qualifier}` : fn.arn,
    };
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceAccount) condition["StringEquals"] = { "AWS:SourceAccount": input.SourceAccount };
    if (input.SourceArn) condition["ArnLike"] = { "AWS:SourceArn": input.SourceArn };
    if (Object.keys(condition).length) statement.Condition = condition;
    const revisionId = this.core.ids.uuid();
    if (qualifier) this.registry.put({ ...fn, qualifiedPolicies: { ...(fn.qualifiedPolicies ?? {}), [qualifier]: [...existing, statement] }, revisionId });
    else this.registry.put({ ...fn, policy: [...fn.policy, statement], revisionId });
    return statement;
  }

  removePermission(nameOrArn: string, region: string, statementId: string, qualifier?: string, revisionId?: string): void {
    const target = this.resolve(nameOrArn, region, qualifier);
    const fn = target.fn;
    this.checkRevision(fn, revisionId);
    const q = target.qualifier === "$LATEST" ? undefined : target.qualifier;
    const existing = this.policyOf(fn, q);
    if (!existing.some((s) => s.Sid === statementId)) throw LambdaErrors.statementNotFound(statementId, fn.arn);
    const rest = existing.filter((s) => s.Sid !== statementId);
    const next = this.core.ids.uuid();
    if (q) this.registry.put({ ...fn, qualifiedPolicies: { ...(fn.qualifiedPolicies ?? {}), [q]: rest }, revisionId: next });
    else this.registry.put({ ...fn, policy: rest, revisionId: next });
  }

  // --- invocation ---

  /** How many invocations of this function (any version) are running or waiting: its concurrency. */
  private concurrencyOf(fn: StoredFunction): number {
    let n = 0;
    for (const version of ["$LATEST", ...(fn.versions ?? []).map((v) => v.version)]) {
      const stats = this.runner.poolStats(this.poolOf(fn.name, version));
      if (stats) n += stats.busy + stats.waiting;
    }
    return n;
  }

  /**
   * Runs a function (at the target's version); the payload is JSON text. `timeoutMs` lowers the
   * function's own timeout; `callerTimeoutMs` is how long the caller waits at most, everything
   * included. `trace`: where the console records the invocation (a trigger's step, an S3 event);
   * `source` names what invoked it when it is a trace of its own. `queue`: an asynchronous
   * invocation waits out a full reserved concurrency instead of being throttled.
   */
  async run(
    target: Target | StoredFunction,
    payload: string,
    options: {
      timeoutMs?: number;
      callerTimeoutMs?: number;
      clientContext?: unknown;
      invokedArn?: string;
      requestId?: string;
      trace?: TraceLink;
      source?: string;
      queue?: boolean;
    } = {},
  ): Promise<RunOutcome & { requestId: string }> {
    const resolved: Target = "fn" in target ? target : { fn: target, state: target, version: "$LATEST", arn: target.arn };
    const { fn, state, version } = resolved;
    const requestId = options.requestId ?? this.core.ids.uuid();
    const reserved = fn.reservedConcurrency;
    if (reserved !== undefined && !options.queue && this.concurrencyOf(fn) >= reserved) {
      return { ...THROTTLED, requestId };
    }
    const ownTimeout = state.timeout * 1000;
    const timeoutMs = options.timeoutMs !== undefined ? Math.min(ownTimeout, Math.max(1, options.timeoutMs)) : ownTimeout;
    const span = this.core.traces?.invocation(fn.name, requestId, options.trace, options.source ?? "Invoke");
    try {
      const { key, spec } = await this.specOf(fn, state, version);
      const outcome = await this.runner.run(this.poolOf(fn.name, version), key, spec, {
        requestId,
        payload,
        timeoutMs,
        callerTimeoutMs: options.callerTimeoutMs,
        invokedFunctionArn: options.invokedArn ?? resolved.arn,
        clientContext: options.clientContext,
        traceId: span?.header,
      }, { maxEnvironments: reserved !== undefined ? Math.max(reserved, 0) : undefined });
      span?.end(outcome);
      return { ...outcome, requestId };
    } catch (error) {
      span?.end({ ok: false, errorType: "Runtime.Error", errorMessage: error instanceof Error ? error.message : String(error), log: "" });
      throw error;
    }
  }

  /**
   * LambdaInvoker: what Cognito's triggers call. `timeoutMs` is how long the caller waits, from
   * now, queue and init included (Cognito's 5 s); running out of it is `timedOut`, while the
   * function's own timeout is a function error (Sandbox.Timedout), as Cognito sees it on AWS.
   */
  async invoke(nameOrArn: string, payload: unknown, options: { timeoutMs?: number; trace?: TraceLink } = {}): Promise<InvokeResult> {
    const target = this.resolve(nameOrArn, undefined, undefined, { route: true });
    const outcome = await this.run(target, JSON.stringify(payload ?? {}), { callerTimeoutMs: options.timeoutMs, trace: options.trace, source: "a Cognito trigger" });
    if (outcome.ok) {
      let value: unknown = null;
      try {
        value = JSON.parse(outcome.payload);
      } catch {
        value = outcome.payload;
      }
      return { ok: true, payload: value, requestId: outcome.requestId };
    }
    return {
      ok: false,
      requestId: outcome.requestId,
      functionError: outcome.functionError,
      errorType: outcome.errorType,
      errorMessage: outcome.errorMessage,
      timedOut: outcome.timedOut === "caller",
    };
  }

  /** An asynchronous (Event) invocation: runs in the background; failures are logged. */
  invokeAsync(target: Target | StoredFunction, payload: string, source: string, trace?: TraceLink): string {
    const requestId = this.core.ids.uuid();
    const fn = "fn" in target ? target.fn : target;
    if (fn.reservedConcurrency === 0) {
      // AWS throttles every event of a function whose reserved concurrency is 0, and drops it in the end.
      this.core.logger.warn(`[${fn.name} ${requestId}] ${source} invocation throttled: the function's reserved concurrency is 0`);
      return requestId;
    }
    const done = this.run(target, payload, { requestId, trace, source, queue: true })
      .then((outcome) => {
        if (!outcome.ok) {
          this.core.logger.warn(`[${fn.name} ${outcome.requestId}] ${source} invocation failed: ${outcome.errorType}: ${outcome.errorMessage}`);
        }
      })
      .catch((error: unknown) => {
        this.core.logger.error(`[${fn.name}] ${source} invocation could not run: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.pendingAsync.delete(done));
    this.pendingAsync.add(done);
    return requestId;
  }

  /** Resolves when every asynchronous invocation started so far has finished (for tests and close). */
  async drain(): Promise<void> {
    while (this.pendingAsync.size) await Promise.all([...this.pendingAsync]);
  }

  async close(): Promise<void> {
    await this.runner.close();
    if (this.temporary) removeDirectory(this.codeRoot);
  }

  // --- execution environments ---

  /** The pool of environments of one version of a function ($LATEST's is named after the function). */
  poolOf(name: string, version: string): string {
    return version === "$LATEST" ? name : `${name}:${version}`;
  }

  /** Compiles a TypeScript handler ahead of its first invocation (in the background; errors wait for the invocation). */
  private prepare(fn: StoredFunction): void {
    if (familyOf(fn.runtime) !== "nodejs") return;
    const codeDir = this.codeDirOf(fn);
    if (!existsSync(codeDir)) return;
    void prepareHandler(codeDir, fn.handler, this.nodePaths(fn, codeDir)).catch(() => {});
  }

  private codeDirOf(state: FunctionState): string {
    return state.code.kind === "zip" ? join(this.codeRoot, state.code.dir) : state.code.dir;
  }

  private nodePaths(state: FunctionState, codeDir: string): string[] {
    const layers = layerPaths(this.layers.directories(state.layers), "nodejs", state.runtime);
    return [...layers.modules, this.providedModules, codeDir].filter(Boolean);
  }

  /** What an environment of this version runs, and the key that says when its environments are stale. */
  private async specOf(fn: StoredFunction, state: FunctionState, version: string): Promise<{ key: string; spec: EnvironmentSpec }> {
    // Worked out once per configuration: a package's code never changes under a revision, and
    // a hot-reload directory's fingerprint (one walk of it per invocation) says when it did.
    const sources = state.code.kind === "local" ? fingerprint(state.code.dir) : "";
    const cacheKey = `${state.revisionId}\0${sources}\0${(state.layers ?? []).join(",")}\0${this.core.endpoint()}`;
    const poolId = this.poolOf(fn.name, version);
    const cached = this.specs.get(poolId);
    if (cached?.cacheKey === cacheKey) return cached;
    const made = { cacheKey, ...(await this.makeSpec(fn, state, version, sources)) };
    if (this.specs.size > 1000) this.specs.clear();
    this.specs.set(poolId, made);
    return made;
  }

  private async makeSpec(fn: StoredFunction, state: FunctionState, version: string, sources: string): Promise<{ key: string; spec: EnvironmentSpec }> {
    const codeDir = this.codeDirOf(state);
    const layerDirs = this.layers.directories(state.layers);
    const family = familyOf(state.runtime) ?? "nodejs";
    const paths = layerPaths(layerDirs, family, state.runtime);
    const env = this.environmentOf(fn, state, version, codeDir, paths);
    const endpoint = new URL(this.core.endpoint());
    const redirect = { host: endpoint.hostname, port: Number(endpoint.port || 80), pattern: EMULATED_AWS_HOST_PATTERN };
    let key = state.code.kind === "local" ? `${state.revisionId}:${sources}` : state.revisionId;
    let launch: Launch;
    if (family === "nodejs") {
      const prepared = await prepareHandler(codeDir, state.handler, this.nodePaths(state, codeDir), state.code.kind === "local" ? sources : undefined);
      if (prepared.kind === "failed") {
        launch = { kind: "runtime-api", argv: [], missing: { errorType: prepared.errorType, errorMessage: prepared.errorMessage, withRequestId: false } };
      } else {
        launch = {
          kind: "node",
          execArgv: prepared.kind === "compiled" ? ["--enable-source-maps"] : [],
          settings: {
            redirect,
            ...(prepared.kind === "compiled" ? { entry: prepared.entry } : {}),
            ...(paths.modules.length ? { moduleDirs: paths.modules } : {}),
          },
        };
        if (prepared.kind === "compiled") key += `:${prepared.entry}`;
      }
    } else if (family === "python") {
      const python = pythonInstallation(this.python);
      launch = python
        ? { kind: "runtime-api", argv: [python.executable, "-u", PYTHON_BOOTSTRAP, "--stack", this.core.endpoint(), "--aws-hosts", EMULATED_AWS_HOST_PATTERN] }
        : { kind: "runtime-api", argv: [], missing: { errorType: "Runtime.InvalidEntrypoint", errorMessage: pythonMissing(state.runtime, this.python)! } };
    } else {
      const bootstrap = customBootstrap(codeDir, layerDirs);
      launch = "path" in bootstrap ? { kind: "runtime-api", argv: [bootstrap.path] } : { kind: "runtime-api", argv: [], missing: bootstrap.missing };
    }
    if (layerDirs.length) key += `:${layerDirs.join(",")}`;
    const spec: EnvironmentSpec = {
      functionName: fn.name,
      functionVersion: version,
      runtime: state.runtime,
      codeDir,
      handler: state.handler,
      memorySize: state.memorySize,
      logGroupName: `/aws/lambda/${fn.name}`,
      env,
      sdkHook: family === "nodejs" && !resolvesSdk(codeDir),
      launch,
    };
    return { key, spec };
  }

  private environmentOf(fn: StoredFunction, state: FunctionState, version: string, codeDir: string, paths: ReturnType<typeof layerPaths>): Record<string, string> {
    const family = familyOf(state.runtime) ?? "nodejs";
    const env: Record<string, string> = {
      PATH: prependPath(paths.bin, process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"),
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      AWS_ENDPOINT_URL: this.core.endpoint(),
    };
    if (paths.lib.length) env["LD_LIBRARY_PATH"] = prependPath(paths.lib, process.env["LD_LIBRARY_PATH"]);
    if (family === "nodejs") {
      env["NODE_PATH"] = [...paths.modules, this.providedModules, codeDir].filter(Boolean).join(delimiter);
      // Every function runs on this server's Node (20), whatever its declared runtime: the
      // SDK's notice that its 2027 releases need Node 22 would only be noise in the log.
      env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
    }
    if (family === "python") {
      if (paths.python.length) env["PYTHONPATH"] = paths.python.join(delimiter);
      // Compiled modules go to a cache of rekognito's, not into the function's own folder.
      env["PYTHONPYCACHEPREFIX"] = join(tmpdir(), "rekognito-pycache");
      env["PYTHONIOENCODING"] = "utf-8";
    }
    Object.assign(env, state.environment, {
      AWS_REGION: fn.region,
      AWS_DEFAULT_REGION: fn.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(state.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: state.handler,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SESSION_TOKEN: "test",
    });
    // AWS sets it for its managed runtimes, not for OS-only ones.
    if (family !== "provided") env["AWS_EXECUTION_ENV"] = `AWS_Lambda_${state.runtime}`;
    return env;
  }

  // --- helpers ---

  private checkConfiguration(input: ConfigurationInput): void {
    if (input.Runtime !== undefined) {
      checkRuntime(input.Runtime);
      if (familyOf(input.Runtime) === "python") {
        const missing = pythonMissing(input.Runtime, this.python);
        if (missing) throw LambdaErrors.invalidParameter(missing);
      }
    }
    if (input.Timeout !== undefined && input.Timeout > MAX_TIMEOUT_SECONDS) {
      throw LambdaErrors.validation(
        `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${MAX_TIMEOUT_SECONDS}`,
      );
    }
    if (input.PackageType === "Image" || input.ImageConfig) throw LambdaErrors.notImplemented("container image functions (PackageType Image)");
    if (input.Layers?.length) this.layers.check(input.Layers);
    if (input.FileSystemConfigs?.length) throw LambdaErrors.notImplemented("file system configs (EFS)");
    const vars = input.Environment?.Variables;
    if (vars) {
      const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
      if (reserved.length) {
        throw LambdaErrors.invalidParameter(
          `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
        );
      }
      const size = Buffer.byteLength(Object.entries(vars).map(([k, v]) => k + v).join(""));
      if (size > 4096) {
        throw LambdaErrors.invalidParameter(
          "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.",
        );
      }
    }
  }

  private checkRevision(fn: StoredFunction, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== fn.revisionId) {
      throw LambdaErrors.preconditionFailed();
    }
  }

  private checkCodeInput(code: CodeInput): void {
    if (code.ImageUri) throw LambdaErrors.notImplemented("container image functions (ImageUri)");
    if (code.ZipFile === undefined && !code.S3Bucket) {
      throw LambdaErrors.invalidParameter("Please provide a source for function code.");
    }
    if (code.ZipFile !== undefined && (code.S3Bucket || code.S3Key)) {
      throw LambdaErrors.invalidParameter("Please do not provide other FunctionCode parameters when providing a ZipFile.");
    }
    if (code.S3Bucket && !code.S3Key) {
      throw LambdaErrors.invalidParameter("Please provide a source for function code.");
    }
  }

  /** A package's bytes: inline, or from the stack's own S3. */
  async packageBytes(code: CodeInput): Promise<Buffer> {
    if (code.ZipFile !== undefined) return Buffer.isBuffer(code.ZipFile) ? code.ZipFile : Buffer.from(code.ZipFile, "base64");
    return this.fetchFromS3(code.S3Bucket!, code.S3Key!, code.S3ObjectVersion);
  }

  private async installCode(name: string, revisionId: string, code: CodeInput): Promise<{ source: FunctionCodeSource; sha256: string; size: number }> {
    this.checkCodeInput(code);
    if (code.S3Bucket === HOT_RELOAD_BUCKET) {
      checkLocalDirectory(code.S3Key!);
      return {
        source: { kind: "local", dir: code.S3Key! },
        sha256: createHash("sha256").update(`hot-reload:${code.S3Key}`).digest("base64"),
        size: 0,
      };
    }
    const zip = await this.packageBytes(code);
    const dir = join(name, revisionId);
    const zipPath = `${dir}.zip`;
    await unpackZip(zip, join(this.codeRoot, dir));
    writeFileSync(join(this.codeRoot, zipPath), zip);
    return { source: { kind: "zip", dir, zipPath }, sha256: codeSha256(zip), size: zip.length };
  }

  /** A package in the stack's own S3 (whatever serves S3 on this endpoint). */
  private async fetchFromS3(bucket: string, key: string, versionId?: string): Promise<Buffer> {
    const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const client = new S3Client({
      endpoint: this.core.endpoint(),
      region: this.core.defaultRegion,
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      // A package can hold no more than the unzipped limit: refuse a bigger object unread.
      if ((out.ContentLength ?? 0) > MAX_UNZIPPED_BYTES) {
        (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw LambdaErrors.invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
      }
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof LambdaError) throw error;
      const e = error as { name?: string; message?: string };
      throw LambdaErrors.invalidParameter(
        `Error occurred while GetObject. S3 Error Code: ${e.name ?? "Unknown"}. S3 Error Message: ${e.message ?? ""}`,
      );
    } finally {
      client.destroy();
    }
  }

  /** Removes an unpacked package unless the function (its $LATEST or a version) still runs it. */
  private removeCodeUnlessUsed(fn: StoredFunction | undefined, code: FunctionCodeSource): void {
    if (code.kind !== "zip") return;
    const states = fn ? [fn, ...(fn.versions ?? [])] : [];
    if (states.some((s) => s.code.kind === "zip" && s.code.dir === code.dir)) return;
    removeDirectory(join(this.codeRoot, code.dir));
    removeDirectory(join(this.codeRoot, code.zipPath));
  }

  /** A deleted layer version's files go once no function or version uses them. */
  private releaseLayers(arns: readonly string[] | undefined): void {
    for (const arn of arns ?? []) if (!this.layerInUse(arn)) this.layers.release(arn);
  }

  layerInUse(arn: string): boolean {
    return this.registry.list().some((fn) => fn.layers?.includes(arn) || fn.versions?.some((v) => v.layers?.includes(arn)));
  }
}

/** A synchronous invocation refused for the function's reserved concurrency. */
const THROTTLED: RunOutcome = {
  ok: false,
  functionError: "Unhandled",
  errorType: "TooManyRequestsException",
  errorMessage: "Rate Exceeded.",
  trace: [],
  timedOut: false,
  log: "",
  throttled: true,
};

/**
 * Links rekognito's AWS SDK packages into `<codeRoot>/node_modules`, so that an ESM import of
 * "@aws-sdk/client-s3" from any unpacked package finds them by Node's own resolution (a
 * package's own node_modules, nearer, still wins), as AWS's runtimes provide the SDK.
 */
function linkProvidedSdk(codeRoot: string): string {
  if (!PROVIDED_MODULES) return "";
  const modules = join(codeRoot, "node_modules");
  let linked = true;
  mkdirSync(modules, { recursive: true });
  for (const scope of PROVIDED_SCOPES) {
    const target = join(PROVIDED_MODULES, scope);
    const link = join(modules, scope);
    if (!existsSync(target)) continue;
    try {
      // A data directory kept from another installation links to where that one was.
      if (readlinkSync(link) === target) continue;
      unlinkSync(link);
    } catch {
      // no link yet
    }
    try {
      symlinkSync(target, link, "dir");
    } catch {
      // raced with another stack on the same data directory, or links unsupported: the hook remains
      if (!existsSync(link)) linked = false;
    }
  }
  // Where NODE_PATH points for the SDK: the links, or (no links here) the installation itself.
  return linked ? modules : PROVIDED_MODULES;
}

const sdkResolution = new Map<string, boolean>();

/** True when the SDK resolves from `dir` by Node's own rules (its node_modules or an ancestor's). */
function resolvesSdk(dir: string): boolean {
  let found = sdkResolution.get(dir);
  if (found === undefined) {
    try {
      createRequire(join(dir, "noop.js")).resolve("@aws-sdk/client-s3");
      found = true;
    } catch {
      found = false;
    }
    if (sdkResolution.size > 1000) sdkResolution.clear();
    sdkResolution.set(dir, found);
  }
  return found;
}
