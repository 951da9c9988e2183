import type { AliasConfiguration, GetAliasRequest } from "@aws-sdk/client-lambda";
import { aliasConfiguration } from "../aliases.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const GetAlias =
  ({ targets }: Pick<LambdaServices, "targets">) =>
  (input: GetAliasRequest, ctx: RestRequestContext): AliasConfiguration => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    const alias = fn.aliases?.find((a) => a.name === input.Name);
    if (!alias) throw LambdaErrors.aliasNotFound(`${fn.arn}:${input.Name}`);
    return aliasConfiguration(fn, alias);
  };
