import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { RestAction } from "../protocol/rest-json.js";
import type { ConfigurationChecks } from "./configuration-checks.js";
import type { FunctionConfigurations } from "./configurations.js";
import type { EnvironmentSpecs } from "./environment-specs.js";
import type { FunctionRegistry } from "./functions.js";
import type { Invocations } from "./invocations.js";
import type { Layers } from "./layers.js";
import type { PackageUrls } from "./package-urls.js";
import type { Packages } from "./packages.js";
import type { Runner } from "./runner.js";
import type { Targets } from "./targets.js";
import type { Versions } from "./versions.js";

/** What Lambda's actions are built from; each action takes the slice it needs. */
export interface LambdaServices {
  /** The deployed functions, with their versions, aliases and policies (journaled). */
  functions: FunctionRegistry;
  /** Names, ARNs and qualifiers to the function, version or alias they designate. */
  targets: Targets;
  /** A function's configuration rules beyond the model's (runtimes, timeout, layers, environment). */
  checks: ConfigurationChecks;
  /** Deployment packages: installed, read, removed when unused. */
  packages: Packages;
  /** Presigned Code.Location and Content.Location URLs of the packages. */
  packageUrls: PackageUrls;
  /** AWS's FunctionConfiguration of a function or version. */
  configurations: FunctionConfigurations;
  versions: Versions;
  layers: Layers;
  invocations: Invocations;
  /** The execution environments (a version's pool is reset when its code or configuration changes). */
  runner: Runner;
  /** What each version's environments run (TypeScript compiled ahead of the first invocation). */
  specs: EnvironmentSpecs;
  clock: Clock;
  ids: IdGenerator;
}

/** The Lambda actions rekognito implements, one file each under actions/; every other operation of the model answers NotImplementedException. */
export type ImplementedOperation =
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

export type LambdaActionFactory = (services: LambdaServices) => RestAction;
