import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { EMULATED_AWS_HOST_PATTERN } from "../protocol/aws-hosts.js";
import { prepareHandler } from "./builds.js";
import { fingerprint } from "./code.js";
import type { EnvironmentSpec, Launch } from "./environment.js";
import type { FunctionState, StoredFunction } from "./functions.js";
import type { Layers } from "./layers.js";
import { customBootstrap, familyOf, layerPaths, prependPath, PYTHON_BOOTSTRAP, pythonInstallation, pythonMissing } from "./runtimes.js";

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
let providedModules: string | undefined;
/** Found when the first environment is set up, not at start (resolving the SDK took ~3 ms of it). */
function providedModulesDir(): string {
  if (providedModules === undefined) {
    try {
      const entry = createRequire(import.meta.url).resolve("@aws-sdk/client-s3");
      const at = entry.lastIndexOf(`${"/"}node_modules${"/"}`);
      providedModules = at >= 0 ? entry.slice(0, at + "/node_modules".length) : "";
    } catch {
      providedModules = "";
    }
  }
  return providedModules;
}
/** AWS's scopes of the SDK v3 packages its Node.js runtimes provide. */
const PROVIDED_SCOPES = ["@aws-sdk", "@smithy", "@aws-crypto"];

/** The pool of environments of one version of a function ($LATEST's is named after the function). */
export function poolOf(name: string, version: string): string {
  return version === "$LATEST" ? name : `${name}:${version}`;
}

/**
 * What an execution environment of a function version runs: its code folder and layers, its
 * environment variables as AWS sets them, and how it starts (a Node.js handler, compiled first
 * when it is TypeScript; python3 with rekognito's bootstrap; a custom runtime's own bootstrap),
 * with the key that says when the pool's environments are stale.
 */
export class EnvironmentSpecs {
  /** Each pool's environment spec, with the configuration it was made for. */
  private readonly specs = new Map<string, { cacheKey: string; key: string; spec: EnvironmentSpec }>();
  /** The folder with the AWS SDK v3 packages functions are provided (NODE_PATH's). */
  private readonly providedModules: string;

  constructor(
    private readonly options: {
      /** Where zip packages are unpacked. */
      codeRoot: string;
      layers: Layers;
      /** The python3 Python functions run on. */
      python: string;
      /** Where Node.js environments keep V8's compiled code (builds.ts's COMPILE_CACHE_DIR), or none. */
      compileCacheDir: string | null;
      /** The stack's endpoint, as functions reach it (AWS_ENDPOINT_URL). */
      endpoint: () => string;
    },
  ) {
    this.providedModules = linkProvidedSdk(options.codeRoot);
  }

  /** Compiles a TypeScript handler ahead of its first invocation (in the background; errors wait for the invocation). */
  prepare(fn: StoredFunction): void {
    if (familyOf(fn.runtime) !== "nodejs") return;
    const codeDir = this.codeDirOf(fn);
    if (!existsSync(codeDir)) return;
    void prepareHandler(codeDir, fn.handler, this.nodePaths(fn, codeDir)).catch(() => {});
  }

  /** What an environment of this version runs, and the key that says when its environments are stale. */
  async specOf(fn: StoredFunction, state: FunctionState, version: string): Promise<{ key: string; spec: EnvironmentSpec }> {
    // Worked out once per configuration: a package's code never changes under a revision, and
    // a hot-reload directory's fingerprint (one walk of it per invocation) says when it did.
    const sources = state.code.kind === "local" ? fingerprint(state.code.dir) : "";
    const cacheKey = `${configurationOf(state)}\0${sources}\0${this.options.endpoint()}`;
    const poolId = poolOf(fn.name, version);
    const cached = this.specs.get(poolId);
    if (cached?.cacheKey === cacheKey) return cached;
    const made = { cacheKey, ...(await this.makeSpec(fn, state, version, sources)) };
    if (this.specs.size > 1000) this.specs.clear();
    this.specs.set(poolId, made);
    return made;
  }

  private codeDirOf(state: FunctionState): string {
    return state.code.kind === "zip" ? join(this.options.codeRoot, state.code.dir) : state.code.dir;
  }

  private nodePaths(state: FunctionState, codeDir: string): string[] {
    const layers = layerPaths(this.options.layers.directories(state.layers), "nodejs", state.runtime);
    return [...layers.modules, this.providedModules, codeDir].filter(Boolean);
  }

  private async makeSpec(fn: StoredFunction, state: FunctionState, version: string, sources: string): Promise<{ key: string; spec: EnvironmentSpec }> {
    const codeDir = this.codeDirOf(state);
    const layerDirs = this.options.layers.directories(state.layers);
    const family = familyOf(state.runtime) ?? "nodejs";
    const paths = layerPaths(layerDirs, family, state.runtime);
    const env = this.environmentOf(fn, state, version, codeDir, paths);
    const endpoint = new URL(this.options.endpoint());
    const redirect = { host: endpoint.hostname, port: Number(endpoint.port || 80), pattern: EMULATED_AWS_HOST_PATTERN };
    let key = state.code.kind === "local" ? `${configurationOf(state)}:${sources}` : configurationOf(state);
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
            ...(this.options.compileCacheDir ? { compileCache: this.options.compileCacheDir } : {}),
            ...(prepared.kind === "compiled" ? { entry: prepared.entry } : {}),
            ...(paths.modules.length ? { moduleDirs: paths.modules } : {}),
          },
        };
        if (prepared.kind === "compiled") key += `:${prepared.entry}`;
      }
    } else if (family === "python") {
      const python = pythonInstallation(this.options.python);
      launch = python
        ? { kind: "runtime-api", argv: [python.executable, "-u", PYTHON_BOOTSTRAP, "--stack", this.options.endpoint(), "--aws-hosts", EMULATED_AWS_HOST_PATTERN] }
        : { kind: "runtime-api", argv: [], missing: { errorType: "Runtime.InvalidEntrypoint", errorMessage: pythonMissing(state.runtime, this.options.python)! } };
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
      AWS_ENDPOINT_URL: this.options.endpoint(),
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
}

/**
 * What a version's environments are made from: its configuration and code, not its RevisionId,
 * which AddPermission and RemovePermission (and PublishVersion, for $LATEST) change too, whereas
 * AWS keeps a function's warm environments through a change of its resource policy. (Provisioning
 * the face-login app adds the Cognito triggers' permissions after their functions are made and
 * their environments started ahead: keyed by RevisionId, those four were started again at the
 * first sign-up, ~1.2 s of CPU of a first start with --seed.)
 */
function configurationOf(state: FunctionState): string {
  let known = configurations.get(state);
  if (known === undefined) configurations.set(state, (known = hashConfiguration(state)));
  return known;
}

/** Stored states are replaced, never changed in place: each one's configuration is hashed once. */
const configurations = new WeakMap<FunctionState, string>();

function hashConfiguration(state: FunctionState): string {
  // The fields of FunctionState (state may be a whole StoredFunction, with its policy and tags).
  const { runtime, role, handler, description, timeout, memorySize, environment, architectures, codeSha256, codeSize, lastModified, code, layers } = state;
  const configuration = [runtime, role, handler, description, timeout, memorySize, environment, architectures, codeSha256, codeSize, lastModified, code, layers ?? []];
  return createHash("sha256").update(JSON.stringify(configuration)).digest("base64url");
}

/**
 * Links rekognito's AWS SDK packages into `<codeRoot>/node_modules`, so that an ESM import of
 * "@aws-sdk/client-s3" from any unpacked package finds them by Node's own resolution (a
 * package's own node_modules, nearer, still wins), as AWS's runtimes provide the SDK.
 */
function linkProvidedSdk(codeRoot: string): string {
  const provided = providedModulesDir();
  if (!provided) return "";
  const modules = join(codeRoot, "node_modules");
  let linked = true;
  mkdirSync(modules, { recursive: true });
  for (const scope of PROVIDED_SCOPES) {
    const target = join(provided, scope);
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
  return linked ? modules : provided;
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
