import type { FunctionConfiguration, UpdateFunctionConfigurationRequest } from "@aws-sdk/client-lambda";
import { checkRevision } from "../configuration-checks.js";
import { poolOf } from "../environment-specs.js";
import type { StoredFunction } from "../functions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Changes $LATEST's configuration (its environments are replaced); Environment and Layers given replace the old ones whole. */
export const UpdateFunctionConfiguration =
  ({ functions, targets, checks, configurations, runner, specs, clock, ids }: Pick<
    LambdaServices,
    "functions" | "targets" | "checks" | "configurations" | "runner" | "specs" | "clock" | "ids"
  >) =>
  (input: UpdateFunctionConfigurationRequest, ctx: RestRequestContext): FunctionConfiguration => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    checks.check(input);
    checkRevision(fn, input.RevisionId);
    const updated: StoredFunction = {
      ...fn,
      runtime: input.Runtime ?? fn.runtime,
      role: input.Role ?? fn.role,
      handler: input.Handler ?? fn.handler,
      description: input.Description ?? fn.description,
      timeout: input.Timeout ?? fn.timeout,
      memorySize: input.MemorySize ?? fn.memorySize,
      environment: input.Environment ? { ...(input.Environment.Variables ?? {}) } : fn.environment,
      lastModified: clock.now(),
      revisionId: ids.uuid(),
    };
    if (input.Layers !== undefined) {
      if (input.Layers.length) updated.layers = [...input.Layers];
      else delete updated.layers;
    }
    functions.put(updated);
    runner.reset(poolOf(fn.name, "$LATEST"));
    specs.prepare(updated);
    return configurations.of(updated);
  };
