import type { AliasConfiguration, CreateAliasRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const createAlias =
  (backend: LambdaBackend) =>
  (input: CreateAliasRequest, ctx: RestRequestContext): AliasConfiguration =>
    backend.createAlias(input.FunctionName!, ctx.region, {
      Name: input.Name!,
      FunctionVersion: input.FunctionVersion!,
      Description: input.Description,
      RoutingConfig: input.RoutingConfig,
    });
