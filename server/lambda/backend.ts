import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { CoreServices } from "../core/services.js";
import { checkLocalDirectory, codeSha256, HOT_RELOAD_BUCKET, MAX_UNZIPPED_BYTES, removeDirectory, unpackZip } from "./code.js";
import { LambdaError, LambdaErrors } from "./errors.js";
import { FunctionRegistry, type FunctionCodeSource, type PolicyStatement, type StoredFunction } from "./functions.js";
import { Runner, type RunOutcome } from "./runner.js";
import type { Timers } from "./timers.js";
import type { InvokeResult, LambdaInvoker } from "./types.js";
import type { TraceLink } from "../core/traces.js";

/** The Node.js runtimes rekognito runs (the node running rekognito runs them all). */
export const SUPPORTED_RUNTIMES = ["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"] as const;

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
 * provide to every function. CommonJS finds it through NODE_PATH; ESM imports from a zip
 * function through the code root's node_modules (links to these packages, see linkProvidedSdk),
 * and from a local directory outside any node_modules tree through the resolve hook in
 * runtime/runtime-modules.mjs (a hook costs a loader thread in every environment, hence links).
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
 * memory, MB: the TypeScript loader (tsx, about 30 MB), which AWS's Node.js runtime does not carry.
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
  /** What an environment may hold beyond its MemorySize, MB (default RUNTIME_MEMORY_ALLOWANCE_MB). */
  memoryAllowanceMb?: number;
  /** Bytes of a handler's output printed to the server log per invocation (default 256 KiB). */
  printedLogBytesPerInvocation?: number;
  /** The timers deadlines run on (tests pass ManualTimers and move time). */
  timers?: Timers;
}

export interface ParsedName {
  name: string;
  qualifier?: string;
}

const NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/** AWS's LastModified: 2024-01-01T12:00:00.000+0000 */
function lastModified(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/**
 * Lambda's state and rules, one method per action, no HTTP: the function registry (journaled),
 * the code on disk and the worker runner.
 */
export class LambdaBackend implements LambdaInvoker {
  readonly registry: FunctionRegistry;
  readonly runner: Runner;
  /** Where zip packages are unpacked: the data directory's lambda/ or a temporary directory. */
  readonly codeRoot: string;
  private readonly temporary: boolean;
  private readonly pendingAsync = new Set<Promise<unknown>>();

  constructor(
    private readonly core: CoreServices,
    options: LambdaBackendOptions = {},
  ) {
    const dir = core.persistence.directory("lambda");
    this.temporary = dir === null;
    this.codeRoot = dir ?? mkdtempSync(join(tmpdir(), "rekognito-lambda-"));
    this.registry = new FunctionRegistry(core.persistence.journal("lambda-functions"));
    this.runner = new Runner({
      logger: core.logger,
      now: () => new Date(core.clock.now()).toISOString(),
      logStreamName: () => {
        const day = new Date(core.clock.now()).toISOString().slice(0, 10).replace(/-/g, "/");
        return `${day}/[$LATEST]${core.ids.bytes(16).toString("hex")}`;
      },
      maxEnvironmentsPerFunction: options.maxEnvironmentsPerFunction ?? 4,
      memoryAllowanceMb: options.memoryAllowanceMb ?? RUNTIME_MEMORY_ALLOWANCE_MB,
      maxResponseBytes: MAX_RESPONSE_PAYLOAD,
      printedLogBytesPerInvocation: options.printedLogBytesPerInvocation ?? PRINTED_LOG_BYTES,
      timers: options.timers,
    });
    linkProvidedSdk(this.codeRoot);
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

  /** The function, or ResourceNotFoundException worded as AWS words it. */
  require(nameOrArn: string, region?: string, qualifier?: string): StoredFunction {
    const parsed = this.parseName(nameOrArn);
    const q = qualifier ?? parsed.qualifier;
    const fn = this.registry.get(parsed.name);
    if (!fn || (q !== undefined && q !== "$LATEST")) {
      const arn = this.arnOf(parsed.name, fn?.region ?? region);
      throw LambdaErrors.functionNotFound(q !== undefined && q !== "$LATEST" ? `${arn}:${q}` : arn);
    }
    return fn;
  }

  exists(nameOrArn: string): boolean {
    const parsed = this.parseName(nameOrArn);
    return this.registry.get(parsed.name) !== undefined && (parsed.qualifier ?? "$LATEST") === "$LATEST";
  }

  // --- functions ---

  async createFunction(name: string, region: string, input: ConfigurationInput & { Code: CodeInput; Tags?: Record<string, string> }): Promise<StoredFunction> {
    if (this.registry.get(name)) throw LambdaErrors.functionExists(name);
    this.checkConfiguration(input);
    if (!input.Runtime || !input.Handler) {
      throw LambdaErrors.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    }
    const revisionId = this.core.ids.uuid();
    const code = await this.installCode(name, revisionId, input.Code);
    const fn: StoredFunction = {
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
      policy: [],
      tags: { ...(input.Tags ?? {}) },
    };
    this.registry.put(fn);
    return fn;
  }

  async updateFunctionCode(nameOrArn: string, region: string, input: CodeInput & { DryRun?: boolean; Architectures?: string[] }): Promise<StoredFunction> {
    const fn = this.require(nameOrArn, region);
    if (input.DryRun) {
      this.checkCodeInput(input);
      return fn;
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
    this.runner.reset(fn.name);
    this.removeCode(previous);
    return updated;
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
    this.registry.put(updated);
    this.runner.reset(fn.name);
    return updated;
  }

  deleteFunction(nameOrArn: string, region: string, qualifier?: string): void {
    const fn = this.require(nameOrArn, region, qualifier);
    this.registry.delete(fn.name);
    this.runner.reset(fn.name);
    this.removeCode(fn.code);
  }

  /** AWS's FunctionConfiguration for a stored function. */
  configuration(fn: StoredFunction): FunctionConfiguration {
    const config: FunctionConfiguration = {
      FunctionName: fn.name,
      FunctionArn: fn.arn,
      Runtime: fn.runtime as FunctionConfiguration["Runtime"],
      Role: fn.role,
      Handler: fn.handler,
      CodeSize: fn.codeSize,
      Description: fn.description,
      Timeout: fn.timeout,
      MemorySize: fn.memorySize,
      LastModified: lastModified(fn.lastModified),
      CodeSha256: fn.codeSha256,
      Version: "$LATEST",
      TracingConfig: { Mode: "PassThrough" },
      RevisionId: fn.revisionId,
      State: "Active",
      LastUpdateStatus: "Successful",
      PackageType: "Zip",
      Architectures: fn.architectures as FunctionConfiguration["Architectures"],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    };
    if (Object.keys(fn.environment).length) config.Environment = { Variables: { ...fn.environment } };
    return config;
  }

  /** The deployment package of a zip function, for GetFunction's Code.Location. */
  zipOf(fn: StoredFunction): Buffer | undefined {
    if (fn.code.kind !== "zip") return undefined;
    try {
      return readFileSync(join(this.codeRoot, fn.code.zipPath));
    } catch {
      return undefined;
    }
  }

  // --- permissions ---

  addPermission(
    nameOrArn: string,
    region: string,
    input: { StatementId: string; Action: string; Principal: string; SourceArn?: string; SourceAccount?: string; RevisionId?: string; Qualifier?: string },
  ): PolicyStatement {
    const fn = this.require(nameOrArn, region, input.Qualifier);
    this.checkRevision(fn, input.RevisionId);
    if (fn.policy.some((s) => s.Sid === input.StatementId)) throw LambdaErrors.statementExists(input.StatementId);
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
      Resource: fn.arn,
    };
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceAccount) condition["StringEquals"] = { "AWS:SourceAccount": input.SourceAccount };
    if (input.SourceArn) condition["ArnLike"] = { "AWS:SourceArn": input.SourceArn };
    if (Object.keys(condition).length) statement.Condition = condition;
    this.registry.put({ ...fn, policy: [...fn.policy, statement], revisionId: this.core.ids.uuid() });
    return statement;
  }

  removePermission(nameOrArn: string, region: string, statementId: string, qualifier?: string, revisionId?: string): void {
    const fn = this.require(nameOrArn, region, qualifier);
    this.checkRevision(fn, revisionId);
    if (!fn.policy.some((s) => s.Sid === statementId)) throw LambdaErrors.statementNotFound(statementId, fn.arn);
    this.registry.put({ ...fn, policy: fn.policy.filter((s) => s.Sid !== statementId), revisionId: this.core.ids.uuid() });
  }

  // --- invocation ---

  /**
   * Runs a stored function; the payload is JSON text. `timeoutMs` lowers the function's own
   * timeout; `callerTimeoutMs` is how long the caller waits at most, everything included.
   * `trace`: where the console records the invocation (a trigger's step, an S3 event); `source`
   * names what invoked it when it is a trace of its own.
   */
  run(
    fn: StoredFunction,
    payload: string,
    options: { timeoutMs?: number; callerTimeoutMs?: number; clientContext?: unknown; invokedArn?: string; requestId?: string; trace?: TraceLink; source?: string } = {},
  ): Promise<RunOutcome & { requestId: string }> {
    const requestId = options.requestId ?? this.core.ids.uuid();
    const ownTimeout = fn.timeout * 1000;
    const timeoutMs = options.timeoutMs !== undefined ? Math.min(ownTimeout, Math.max(1, options.timeoutMs)) : ownTimeout;
    const codeDir = fn.code.kind === "zip" ? join(this.codeRoot, fn.code.dir) : fn.code.dir;
    const key = fn.code.kind === "local" ? `${fn.revisionId}:${fingerprint(fn.code.dir)}` : fn.revisionId;
    const spec = {
      functionName: fn.name,
      functionVersion: "$LATEST",
      runtime: fn.runtime,
      codeDir,
      handler: fn.handler,
      memorySize: fn.memorySize,
      logGroupName: `/aws/lambda/${fn.name}`,
      env: this.environmentOf(fn, codeDir),
      sdkHook: !resolvesSdk(codeDir),
    };
    const span = this.core.traces?.invocation(fn.name, requestId, options.trace, options.source ?? "Invoke");
    return this.runner
      .run(key, spec, {
        requestId,
        payload,
        timeoutMs,
        callerTimeoutMs: options.callerTimeoutMs,
        invokedFunctionArn: options.invokedArn ?? fn.arn,
        clientContext: options.clientContext,
        traceId: span?.header,
      })
      .then(
        (outcome) => {
          span?.end(outcome);
          return { ...outcome, requestId };
        },
        (error: unknown) => {
          span?.end({ ok: false, errorType: "Runtime.Error", errorMessage: error instanceof Error ? error.message : String(error), log: "" });
          throw error;
        },
      );
  }

  /**
   * LambdaInvoker: what Cognito's triggers call. `timeoutMs` is how long the caller waits, from
   * now, queue and init included (Cognito's 5 s); running out of it is `timedOut`, while the
   * function's own timeout is a function error (Sandbox.Timedout), as Cognito sees it on AWS.
   */
  async invoke(nameOrArn: string, payload: unknown, options: { timeoutMs?: number; trace?: TraceLink } = {}): Promise<InvokeResult> {
    const fn = this.require(nameOrArn);
    const outcome = await this.run(fn, JSON.stringify(payload ?? {}), { callerTimeoutMs: options.timeoutMs, trace: options.trace, source: "a Cognito trigger" });
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
  invokeAsync(fn: StoredFunction, payload: string, source: string, trace?: TraceLink): string {
    const requestId = this.core.ids.uuid();
    const done = this.run(fn, payload, { requestId, trace, source })
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

  // --- helpers ---

  private environmentOf(fn: StoredFunction, codeDir: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
      NODE_PATH: [PROVIDED_MODULES, codeDir].filter(Boolean).join(delimiter),
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      AWS_ENDPOINT_URL: this.core.endpoint(),
      // Every function runs on this server's Node (20), whatever its declared runtime: the
      // SDK's notice that its 2027 releases need Node 22 would only be noise in the log.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...fn.environment,
      AWS_REGION: fn.region,
      AWS_DEFAULT_REGION: fn.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: fn.handler,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SESSION_TOKEN: "test",
    };
    return env;
  }

  private checkConfiguration(input: ConfigurationInput): void {
    if (input.Runtime !== undefined && !(SUPPORTED_RUNTIMES as readonly string[]).includes(input.Runtime)) {
      const old = /^nodejs(\d+\.(?:x|\d+)(?:-edge)?)?$/.exec(input.Runtime);
      throw LambdaErrors.invalidParameter(
        old
          ? `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions.`
          : `rekognito runs Node.js functions only (${SUPPORTED_RUNTIMES.join(", ")}); the runtime ${input.Runtime} is not supported.`,
      );
    }
    if (input.Timeout !== undefined && input.Timeout > MAX_TIMEOUT_SECONDS) {
      throw LambdaErrors.validation(
        `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${MAX_TIMEOUT_SECONDS}`,
      );
    }
    if (input.PackageType === "Image" || input.ImageConfig) throw LambdaErrors.notImplemented("container image functions (PackageType Image)");
    if (input.Layers?.length) throw LambdaErrors.notImplemented("layers");
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
    let zip: Buffer;
    if (code.ZipFile !== undefined) {
      zip = Buffer.isBuffer(code.ZipFile) ? code.ZipFile : Buffer.from(code.ZipFile, "base64");
    } else {
      zip = await this.fetchFromS3(code.S3Bucket!, code.S3Key!, code.S3ObjectVersion);
    }
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

  private removeCode(code: FunctionCodeSource): void {
    if (code.kind !== "zip") return;
    removeDirectory(join(this.codeRoot, code.dir));
    removeDirectory(join(this.codeRoot, code.zipPath));
  }
}

/**
 * Links rekognito's AWS SDK packages into `<codeRoot>/node_modules`, so that an ESM import of
 * "@aws-sdk/client-s3" from any unpacked package finds them by Node's own resolution (a
 * package's own node_modules, nearer, still wins), as AWS's runtimes provide the SDK.
 */
function linkProvidedSdk(codeRoot: string): void {
  if (!PROVIDED_MODULES) return;
  const modules = join(codeRoot, "node_modules");
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
    }
  }
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

/**
 * A cheap signature of a local code directory (paths, sizes, mtimes; node_modules and dot
 * folders skipped), so that edited files take effect on the next invocation.
 */
export function fingerprint(dir: string): string {
  const hash = createHash("sha1");
  const walk = (d: string, depth: number) => {
    if (depth > 8) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else if (entry.isFile()) {
        try {
          const s = statSync(path);
          hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
        } catch {
          // vanished while walking
        }
      }
    }
  };
  walk(dir, 0);
  return hash.digest("hex");
}
