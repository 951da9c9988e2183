import { LambdaErrors } from "./errors.js";
import type { StoredFunction } from "./functions.js";
import type { Layers } from "./layers.js";
import { MAX_TIMEOUT_SECONDS } from "./limits.js";
import { checkRuntime, familyOf, pythonMissing } from "./runtimes.js";

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

/** The configuration CreateFunction and UpdateFunctionConfiguration take (the model checked its shape). */
export interface ConfigurationInput {
  Runtime?: string | undefined;
  Timeout?: number | undefined;
  Environment?: { Variables?: Record<string, string> | undefined } | undefined;
  Layers?: string[] | undefined;
  FileSystemConfigs?: unknown[] | undefined;
  ImageConfig?: unknown;
  PackageType?: string | undefined;
}

/**
 * The rules a function's configuration must follow beyond the model's constraints, worded as
 * AWS words them: a runtime rekognito runs (and, for Python, can start here), the timeout,
 * existing layers, and environment variables that are not AWS's own and fit in 4 KB.
 */
export class ConfigurationChecks {
  constructor(
    private readonly layers: Layers,
    /** The python3 Python functions run on. */
    private readonly python: string,
  ) {}

  check(input: ConfigurationInput): void {
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
}

/** A RevisionId given with a change must be the function's current one (PreconditionFailedException). */
export function checkRevision(fn: StoredFunction, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== fn.revisionId) {
    throw LambdaErrors.preconditionFailed();
  }
}
