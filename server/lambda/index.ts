import type { FastifyInstance } from "fastify";
import type { S3Notification } from "../core/events.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { CoreServices, StackComponent } from "../core/services.js";
import { loadModel } from "../protocol/model.js";
import { addPermission } from "./actions/AddPermission.js";
import { createAlias } from "./actions/CreateAlias.js";
import { createFunction } from "./actions/CreateFunction.js";
import { deleteAlias } from "./actions/DeleteAlias.js";
import { deleteFunction } from "./actions/DeleteFunction.js";
import { deleteFunctionConcurrency } from "./actions/DeleteFunctionConcurrency.js";
import { deleteLayerVersion } from "./actions/DeleteLayerVersion.js";
import { getAlias } from "./actions/GetAlias.js";
import { getFunction } from "./actions/GetFunction.js";
import { getFunctionConcurrency } from "./actions/GetFunctionConcurrency.js";
import { getFunctionConfiguration } from "./actions/GetFunctionConfiguration.js";
import { getLayerVersion } from "./actions/GetLayerVersion.js";
import { getLayerVersionByArn } from "./actions/GetLayerVersionByArn.js";
import { getPolicy } from "./actions/GetPolicy.js";
import { invoke } from "./actions/Invoke.js";
import { listAliases } from "./actions/ListAliases.js";
import { listFunctions } from "./actions/ListFunctions.js";
import { listLayerVersions } from "./actions/ListLayerVersions.js";
import { listLayers } from "./actions/ListLayers.js";
import { listVersionsByFunction } from "./actions/ListVersionsByFunction.js";
import { publishLayerVersion } from "./actions/PublishLayerVersion.js";
import { publishVersion } from "./actions/PublishVersion.js";
import { putFunctionConcurrency } from "./actions/PutFunctionConcurrency.js";
import { removePermission } from "./actions/RemovePermission.js";
import { updateAlias } from "./actions/UpdateAlias.js";
import { updateFunctionCode } from "./actions/UpdateFunctionCode.js";
import { updateFunctionConfiguration } from "./actions/UpdateFunctionConfiguration.js";
import { LambdaBackend, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, type LambdaBackendOptions } from "./backend.js";
import { MAX_CODE_REQUEST_BYTES } from "./code.js";
import { LambdaErrors } from "./errors.js";
import { registerRestService, type RestAction } from "./rest.js";
import { registerCodeRoute } from "./routes.js";
import type { InvokeResult, LambdaInvoker } from "./types.js";
import { s3EventOf, type TraceLink } from "../core/traces.js";

export type { InvokeResult, LambdaInvoker } from "./types.js";
export { HOT_RELOAD_BUCKET } from "./code.js";
export { SUPPORTED_RUNTIMES, DEFAULT_IDLE_SECONDS, defaultMaxEnvironments, type LambdaBackendOptions } from "./backend.js";

/** The Lambda actions rekognito implements; every other operation of the model answers NotImplementedException. */
export type LambdaActionName =
  | "AddPermission"
  | "CreateAlias"
  | "CreateFunction"
  | "DeleteAlias"
  | "DeleteFunction"
  | "DeleteFunctionConcurrency"
  | "DeleteLayerVersion"
  | "GetAlias"
  | "GetFunction"
  | "GetFunctionConcurrency"
  | "GetFunctionConfiguration"
  | "GetLayerVersion"
  | "GetLayerVersionByArn"
  | "GetPolicy"
  | "Invoke"
  | "ListAliases"
  | "ListFunctions"
  | "ListLayerVersions"
  | "ListLayers"
  | "ListVersionsByFunction"
  | "PublishLayerVersion"
  | "PublishVersion"
  | "PutFunctionConcurrency"
  | "RemovePermission"
  | "UpdateAlias"
  | "UpdateFunctionCode"
  | "UpdateFunctionConfiguration";

/** `clock`: the stack's, for presigned package URLs (the default only serves listing the actions). */
export function lambdaActions(backend: LambdaBackend, clock: Clock = systemClock): Record<LambdaActionName, RestAction> {
  return {
    AddPermission: addPermission(backend),
    CreateAlias: createAlias(backend),
    CreateFunction: createFunction(backend),
    DeleteAlias: deleteAlias(backend),
    DeleteFunction: deleteFunction(backend),
    DeleteFunctionConcurrency: deleteFunctionConcurrency(backend),
    DeleteLayerVersion: deleteLayerVersion(backend),
    GetAlias: getAlias(backend),
    GetFunction: getFunction(backend, clock),
    GetFunctionConcurrency: getFunctionConcurrency(backend),
    GetFunctionConfiguration: getFunctionConfiguration(backend),
    GetLayerVersion: getLayerVersion(backend, clock),
    GetLayerVersionByArn: getLayerVersionByArn(backend, clock),
    GetPolicy: getPolicy(backend),
    Invoke: invoke(backend),
    ListAliases: listAliases(backend),
    ListFunctions: listFunctions(backend),
    ListLayerVersions: listLayerVersions(backend),
    ListLayers: listLayers(backend),
    ListVersionsByFunction: listVersionsByFunction(backend),
    PublishLayerVersion: publishLayerVersion(backend, clock),
    PublishVersion: publishVersion(backend),
    PutFunctionConcurrency: putFunctionConcurrency(backend),
    RemovePermission: removePermission(backend),
    UpdateAlias: updateAlias(backend),
    UpdateFunctionCode: updateFunctionCode(backend),
    UpdateFunctionConfiguration: updateFunctionConfiguration(backend),
  };
}

/** The Lambda service of the stack: its REST API, its runner, and what other services invoke. */
export interface LambdaService extends LambdaInvoker, StackComponent {
  readonly backend: LambdaBackend;
  /** Resolves when every asynchronous (Event, S3) invocation started so far has finished. */
  drain(): Promise<void>;
}

export function createLambda(core: CoreServices, fastify: FastifyInstance, options: LambdaBackendOptions = {}): LambdaService {
  const backend = new LambdaBackend(core, options);
  registerRestService(fastify, {
    name: "lambda",
    model: loadModel("lambda"),
    actions: lambdaActions(backend, core.clock),
    blobPayloads: { Invoke: "Payload" },
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
  });
  registerCodeRoute(fastify, backend, core.clock);

  const onNotification = (notification: S3Notification) => {
    if (notification.targetType !== "lambda") return;
    let target;
    try {
      // A function ARN, or a version's or an alias's (qualified).
      target = backend.resolve(notification.targetArn, undefined, undefined, { route: true });
    } catch {
      core.logger.warn(`[lambda] S3 notification ${notification.configurationId} targets ${notification.targetArn}, which does not exist`);
      return;
    }
    backend.invokeAsync(target, JSON.stringify(notification.event), "S3 notification", core.traces?.s3Event(s3EventOf(notification)));
  };
  core.events.on("s3:notification", onNotification);

  return {
    name: "lambda",
    backend,
    invoke: (nameOrArn: string, payload: unknown, opts?: { timeoutMs?: number; trace?: TraceLink }): Promise<InvokeResult> => backend.invoke(nameOrArn, payload, opts),
    exists: (nameOrArn: string) => backend.exists(nameOrArn),
    drain: () => backend.drain(),
    health: () => ({ functions: backend.registry.size, environments: backend.runner.stats() }),
    close: async () => {
      core.events.off("s3:notification", onNotification);
      await backend.close();
    },
  };
}
