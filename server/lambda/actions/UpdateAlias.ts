import type { AliasConfiguration, UpdateAliasRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const updateAlias =
  (backend: LambdaBackend) =>
  (input: UpdateAliasRequest, ctx: RestRequestContext): AliasConfiguration =>
    backend.updateAlias(input.FunctionName!, ctx.region, input.Name!, {
      FunctionVersion: input.FunctionVersion,
      Description: input.Description,
      RoutingConfig: input.RoutingConfig,
      RevisionId: input.RevisionId,
    });
