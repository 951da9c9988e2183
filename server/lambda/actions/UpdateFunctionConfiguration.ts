import type { FunctionConfiguration, UpdateFunctionConfigurationRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const updateFunctionConfiguration =
  (backend: LambdaBackend) =>
  (input: UpdateFunctionConfigurationRequest, ctx: RestRequestContext): FunctionConfiguration =>
    backend.configuration(
      backend.updateFunctionConfiguration(input.FunctionName!, ctx.region, {
        ...input,
        Environment: input.Environment as never,
      }),
    );
