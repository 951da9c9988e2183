import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { S3Notification } from "../core/events.js";
import type { CoreServices, StackComponent } from "../core/services.js";
import { s3EventOf, type TraceLink } from "../core/traces.js";
import { loadModel } from "../protocol/model.js";
import { COMPILE_CACHE_DIR } from "./builds.js";
import { AddPermission } from "./actions/AddPermission.js";
import { CreateAlias } from "./actions/CreateAlias.js";
import { CreateFunction } from "./actions/CreateFunction.js";
import { DeleteAlias } from "./actions/DeleteAlias.js";
import { DeleteFunction } from "./actions/DeleteFunction.js";
import { DeleteFunctionConcurrency } from "./actions/DeleteFunctionConcurrency.js";
import { DeleteLayerVersion } from "./actions/DeleteLayerVersion.js";
import { GetAlias } from "./actions/GetAlias.js";
import { GetFunction } from "./actions/GetFunction.js";
import { GetFunctionConcurrency } from "./actions/GetFunctionConcurrency.js";
import { GetFunctionConfiguration } from "./actions/GetFunctionConfiguration.js";
import { GetLayerVersion } from "./actions/GetLayerVersion.js";
import { GetLayerVersionByArn } from "./actions/GetLayerVersionByArn.js";
import { GetPolicy } from "./actions/GetPolicy.js";
import { Invoke } from "./actions/Invoke.js";
import { ListAliases } from "./actions/ListAliases.js";
import { ListFunctions } from "./actions/ListFunctions.js";
import { ListLayerVersions } from "./actions/ListLayerVersions.js";
import { ListLayers } from "./actions/ListLayers.js";
import { ListVersionsByFunction } from "./actions/ListVersionsByFunction.js";
import { PublishLayerVersion } from "./actions/PublishLayerVersion.js";
import { PublishVersion } from "./actions/PublishVersion.js";
import { PutFunctionConcurrency } from "./actions/PutFunctionConcurrency.js";
import { RemovePermission } from "./actions/RemovePermission.js";
import { UpdateAlias } from "./actions/UpdateAlias.js";
import { UpdateFunctionCode } from "./actions/UpdateFunctionCode.js";
import { UpdateFunctionConfiguration } from "./actions/UpdateFunctionConfiguration.js";
import { MAX_CODE_REQUEST_BYTES, removeDirectory } from "./code.js";
import { ConfigurationChecks } from "./configuration-checks.js";
import { FunctionConfigurations } from "./configurations.js";
import { EnvironmentSpecs } from "./environment-specs.js";
import { LambdaErrors, lambdaRestErrors } from "./errors.js";
import { FunctionRegistry, type StoredFunction } from "./functions.js";
import { Invocations } from "./invocations.js";
import { Layers } from "./layers.js";
import { MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD } from "./limits.js";
import { createRunner, type LambdaOptions } from "./options.js";
import { PackageUrls } from "./package-urls.js";
import { Packages } from "./packages.js";
import { registerRestService, type RestAction } from "../protocol/rest-json.js";
import { defaultPython } from "./runtimes.js";
import type { Runner, RunOutcome } from "./runner.js";
import type { LambdaActionFactory, LambdaServices, ImplementedOperation } from "./services.js";
import { Targets, type Target } from "./targets.js";
import type { InvokeResult, LambdaInvoker } from "./types.js";
import { Versions } from "./versions.js";

export type { InvokeResult, LambdaInvoker } from "./types.js";
export type { LambdaServices, ImplementedOperation } from "./services.js";
export { HOT_RELOAD_BUCKET } from "./code.js";
export { SUPPORTED_RUNTIMES } from "./runtimes.js";
export { DEFAULT_IDLE_SECONDS, defaultMaxEnvironments, type LambdaOptions } from "./options.js";

/** The Lambda actions rekognito implements, one file each under actions/; every other operation of the model answers NotImplementedException. */
export const lambdaActions = {
  AddPermission,
  CreateAlias,
  CreateFunction,
  DeleteAlias,
  DeleteFunction,
  DeleteFunctionConcurrency,
  DeleteLayerVersion,
  GetAlias,
  GetFunction,
  GetFunctionConcurrency,
  GetFunctionConfiguration,
  GetLayerVersion,
  GetLayerVersionByArn,
  GetPolicy,
  Invoke,
  ListAliases,
  ListFunctions,
  ListLayerVersions,
  ListLayers,
  ListVersionsByFunction,
  PublishLayerVersion,
  PublishVersion,
  PutFunctionConcurrency,
  RemovePermission,
  UpdateAlias,
  UpdateFunctionCode,
  UpdateFunctionConfiguration,
} satisfies Record<ImplementedOperation, LambdaActionFactory>;

/**
 * What the console, the control plane and tests read of the service beyond its API: the
 * deployed functions, the execution environments, and running a function directly.
 */
export interface LambdaInternals {
  readonly registry: FunctionRegistry;
  readonly runner: Runner;
  require(nameOrArn: string, region?: string, qualifier?: string): StoredFunction;
  run: Invocations["run"];
}

/** The Lambda service of the stack: its REST API, its runner, and what other services invoke. */
export interface LambdaService extends LambdaInvoker, StackComponent {
  readonly backend: LambdaInternals;
  /** Resolves when every asynchronous (Event, S3) invocation started so far has finished. */
  drain(): Promise<void>;
}

export function createLambda(core: CoreServices, fastify: FastifyInstance, options: LambdaOptions = {}): LambdaService {
  // Where zip packages are unpacked: the data directory's lambda/, or a temporary directory removed at close.
  const dir = core.persistence.directory("lambda");
  const codeRoot = dir ?? mkdtempSync(join(tmpdir(), "rekognito-lambda-"));
  const functions = new FunctionRegistry(core.persistence.journal("lambda-functions"));
  const layers = new Layers(core, codeRoot);
  // Signs Code.Location URLs (a fresh key per stack: a URL outlives neither it nor its expiry).
  const packageUrls = new PackageUrls(core.ids.bytes(32), codeRoot, core.clock);
  const python = options.python ?? defaultPython();
  const runner = createRunner(core, options);
  const specs = new EnvironmentSpecs({ codeRoot, layers, python, compileCacheDir: options.compileCacheDir === undefined ? COMPILE_CACHE_DIR : options.compileCacheDir, endpoint: () => core.endpoint() });
  const targets = new Targets(functions, core.accountId, core.defaultRegion);
  const invocations = new Invocations(core, runner, specs, targets);
  const services: LambdaServices = {
    functions,
    targets,
    checks: new ConfigurationChecks(layers, python),
    packages: new Packages(codeRoot, core),
    packageUrls,
    configurations: new FunctionConfigurations(layers),
    versions: new Versions(functions, core.clock, core.ids),
    layers,
    invocations,
    runner,
    specs,
    clock: core.clock,
    ids: core.ids,
  };
  const actions = Object.fromEntries(Object.entries(lambdaActions).map(([name, factory]) => [name, factory(services)])) as Record<ImplementedOperation, RestAction>;

  registerRestService(fastify, {
    name: "lambda",
    model: loadModel("lambda"),
    actions,
    errors: lambdaRestErrors,
    // Invoke's payload is the body itself, sent as JSON as rekognito always has (Fastify's charset included).
    blobPayloads: { Invoke: { member: "Payload", contentType: "application/json; charset=utf-8" } },
    bodyLimits: { Invoke: MAX_SYNC_PAYLOAD, CreateFunction: MAX_CODE_REQUEST_BYTES, UpdateFunctionCode: MAX_CODE_REQUEST_BYTES, PublishLayerVersion: MAX_CODE_REQUEST_BYTES },
    tooLarge: (operation, limit, headers) => {
      const length = Number(headers["content-length"]);
      if (operation === "Invoke" && headers["x-amz-invocation-type"] === "Event" && Number.isFinite(length)) {
        return LambdaErrors.eventTooLarge(length, MAX_ASYNC_PAYLOAD);
      }
      return LambdaErrors.requestTooLarge(limit, operation === "Invoke" ? "InvokeFunction" : operation);
    },
    requestId: () => core.ids.uuid(),
    accountId: core.accountId,
    defaultRegion: core.defaultRegion,
    trailingSlashes: true,
  });
  packageUrls.register(fastify);

  const onNotification = (notification: S3Notification) => {
    if (notification.targetType !== "lambda") return;
    let target: Target;
    try {
      // A function ARN, or a version's or an alias's (qualified).
      target = targets.resolve(notification.targetArn, undefined, undefined, { route: true });
    } catch {
      core.logger.warn(`[lambda] S3 notification ${notification.configurationId} targets ${notification.targetArn}, which does not exist`);
      return;
    }
    invocations.invokeAsync(target, JSON.stringify(notification.event), "S3 notification", core.traces?.s3Event(s3EventOf(notification)));
  };
  core.events.on("s3:notification", onNotification);

  return {
    name: "lambda",
    backend: {
      registry: functions,
      runner,
      require: (nameOrArn, region, qualifier) => targets.require(nameOrArn, region, qualifier),
      run: (target: Target | StoredFunction, payload: string, opts?: Parameters<Invocations["run"]>[2]): Promise<RunOutcome & { requestId: string }> => invocations.run(target, payload, opts),
    },
    invoke: (nameOrArn: string, payload: unknown, opts?: { timeoutMs?: number; trace?: TraceLink }): Promise<InvokeResult> => invocations.invoke(nameOrArn, payload, opts),
    exists: (nameOrArn: string) => invocations.exists(nameOrArn),
    prepare: (nameOrArn: string) => invocations.prepare(nameOrArn),
    drain: () => invocations.drain(),
    health: () => ({ functions: functions.size, environments: runner.stats() }),
    close: async () => {
      core.events.off("s3:notification", onNotification);
      await runner.close();
      if (dir === null) removeDirectory(codeRoot);
    },
  };
}
