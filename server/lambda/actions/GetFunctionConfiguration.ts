import type { FunctionConfiguration, GetFunctionConfigurationRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const getFunctionConfiguration =
  (backend: LambdaBackend) =>
  (input: GetFunctionConfigurationRequest, ctx: RestRequestContext): FunctionConfiguration =>
    backend.configurationOf(backend.resolve(input.FunctionName!, ctx.region, input.Qualifier));
