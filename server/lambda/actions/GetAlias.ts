import type { AliasConfiguration, GetAliasRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const getAlias =
  (backend: LambdaBackend) =>
  (input: GetAliasRequest, ctx: RestRequestContext): AliasConfiguration =>
    backend.getAlias(input.FunctionName!, ctx.region, input.Name!);
