import type { DeleteFunctionRequest, DeleteFunctionResponse } from "@aws-sdk/client-lambda";
import { poolOf } from "../environment-specs.js";
import { LambdaErrors } from "../errors.js";
import { nameAndQualifier, VERSION_NUMBER } from "../names.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** 204, as rekognito has always answered (botocore's model carries the status in StatusCode; its responseCode says 200). */
const DELETED: DeleteFunctionResponse = { StatusCode: 204 };

/**
 * Deletes the function (every version and alias), or one version with a qualifier; their
 * environments go, and their packages and deleted layers' files once nothing else uses them.
 */
export const DeleteFunction =
  ({ functions, targets, packages, layers, runner }: Pick<LambdaServices, "functions" | "targets" | "packages" | "layers" | "runner">) =>
  (input: DeleteFunctionRequest, ctx: RestRequestContext): DeleteFunctionResponse => {
    const { name, qualifier: q } = nameAndQualifier(input.FunctionName!, input.Qualifier);
    const fn = functions.get(name);
    if (!fn) throw LambdaErrors.functionNotFound(targets.arnOf(name, ctx.region));
    if (q === "$LATEST") throw LambdaErrors.invalidParameter("$LATEST version cannot be deleted without deleting the function.");
    /** A deleted layer version's files go once no function or version uses them. */
    const releaseLayers = (arns: readonly string[] | undefined) => {
      for (const arn of arns ?? []) if (!functions.usesLayer(arn)) layers.release(arn);
    };
    if (q !== undefined) {
      if (!VERSION_NUMBER.test(q)) {
        // An alias is deleted with DeleteAlias; AWS refuses it here.
        throw LambdaErrors.invalidParameter(`Deletion of aliases is not supported via DeleteFunction. Use DeleteAlias instead.`);
      }
      const version = fn.versions?.find((v) => v.version === q);
      // A version that does not exist: nothing to do, as AWS answers (204).
      if (!version) return DELETED;
      const users = (fn.aliases ?? []).filter((a) => a.functionVersion === q || a.weights?.[q] !== undefined).map((a) => a.name);
      if (users.length) throw LambdaErrors.versionInUse(users);
      const rest = { ...fn, versions: fn.versions!.filter((v) => v !== version) };
      functions.put(rest);
      runner.reset(poolOf(fn.name, q));
      packages.removeUnlessUsed(rest, version.code);
      releaseLayers(version.layers);
      return DELETED;
    }
    functions.delete(fn.name);
    for (const version of ["$LATEST", ...(fn.versions ?? []).map((v) => v.version)]) runner.reset(poolOf(fn.name, version));
    for (const state of [fn, ...(fn.versions ?? [])]) {
      packages.removeUnlessUsed(undefined, state.code);
      releaseLayers(state.layers);
    }
    return DELETED;
  };
