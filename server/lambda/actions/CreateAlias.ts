import type { AliasConfiguration, CreateAliasRequest } from "@aws-sdk/client-lambda";
import { aliasConfiguration, checkAliasTarget } from "../aliases.js";
import { LambdaErrors } from "../errors.js";
import type { StoredAlias } from "../functions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** A name for a version of a function, optionally sharing its calls with a second version (RoutingConfig). */
export const CreateAlias =
  ({ functions, targets, ids }: Pick<LambdaServices, "functions" | "targets" | "ids">) =>
  (input: CreateAliasRequest, ctx: RestRequestContext): AliasConfiguration => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    const name = input.Name!;
    const functionVersion = input.FunctionVersion!;
    const arn = `${fn.arn}:${name}`;
    if (fn.aliases?.some((a) => a.name === name)) throw LambdaErrors.aliasExists(arn);
    const weights = input.RoutingConfig?.AdditionalVersionWeights;
    checkAliasTarget(fn, functionVersion, weights);
    const alias: StoredAlias = {
      name,
      functionVersion,
      description: input.Description ?? "",
      revisionId: ids.uuid(),
      ...(weights && Object.keys(weights).length ? { weights: { ...weights } } : {}),
    };
    functions.put({ ...fn, aliases: [...(fn.aliases ?? []), alias] });
    return aliasConfiguration(fn, alias);
  };
