import type { AliasConfiguration, UpdateAliasRequest } from "@aws-sdk/client-lambda";
import { aliasConfiguration, checkAliasTarget } from "../aliases.js";
import { LambdaErrors } from "../errors.js";
import type { StoredAlias } from "../functions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Points an alias elsewhere or changes its routing; a RoutingConfig given replaces the weights, absent keeps them. */
export const UpdateAlias =
  ({ functions, targets, ids }: Pick<LambdaServices, "functions" | "targets" | "ids">) =>
  (input: UpdateAliasRequest, ctx: RestRequestContext): AliasConfiguration => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    const name = input.Name!;
    const alias = fn.aliases?.find((a) => a.name === name);
    if (!alias) throw LambdaErrors.aliasNotFound(`${fn.arn}:${name}`);
    if (input.RevisionId !== undefined && input.RevisionId !== alias.revisionId) throw LambdaErrors.preconditionFailed();
    const functionVersion = input.FunctionVersion ?? alias.functionVersion;
    const weights = input.RoutingConfig ? input.RoutingConfig.AdditionalVersionWeights ?? {} : (alias.weights ?? {});
    checkAliasTarget(fn, functionVersion, weights);
    const updated: StoredAlias = {
      name,
      functionVersion,
      description: input.Description ?? alias.description,
      revisionId: ids.uuid(),
      ...(Object.keys(weights).length ? { weights: { ...weights } } : {}),
    };
    functions.put({ ...fn, aliases: fn.aliases!.map((a) => (a === alias ? updated : a)) });
    targets.resetRouting(fn, name);
    return aliasConfiguration(fn, updated);
  };
