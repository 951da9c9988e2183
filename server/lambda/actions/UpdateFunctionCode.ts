import type { FunctionConfiguration, UpdateFunctionCodeRequest } from "@aws-sdk/client-lambda";
import { checkRevision } from "../configuration-checks.js";
import { poolOf } from "../environment-specs.js";
import type { StoredFunction, StoredVersion } from "../functions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** ZipFile arrives as base64 text in the JSON body. */
type Input = Omit<UpdateFunctionCodeRequest, "ZipFile"> & { ZipFile?: string };

/** New code for $LATEST (its environments are replaced); with Publish, a version of it. */
export const UpdateFunctionCode =
  ({ functions, targets, packages, versions, configurations, runner, specs, clock, ids }: Pick<
    LambdaServices,
    "functions" | "targets" | "packages" | "versions" | "configurations" | "runner" | "specs" | "clock" | "ids"
  >) =>
  async (input: Input, ctx: RestRequestContext): Promise<FunctionConfiguration> => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    checkRevision(fn, input.RevisionId);
    if (input.DryRun) {
      packages.check(input);
      return configurations.of(fn);
    }
    const revisionId = ids.uuid();
    const code = await packages.install(fn.name, revisionId, input);
    const previous = fn.code;
    let updated: StoredFunction = {
      ...fn,
      codeSha256: code.sha256,
      codeSize: code.size,
      code: code.source,
      architectures: input.Architectures ?? fn.architectures,
      lastModified: clock.now(),
      revisionId,
    };
    functions.put(updated);
    runner.reset(poolOf(fn.name, "$LATEST"));
    packages.removeUnlessUsed(updated, previous);
    specs.prepare(updated);
    // With Publish, AWS answers the version it published.
    let version: StoredVersion | null = null;
    if (input.Publish) ({ fn: updated, version } = versions.publish(updated, ""));
    return configurations.of(updated, version);
  };
