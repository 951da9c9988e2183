import type { FunctionConfiguration, GetFunctionConfigurationRequest } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const GetFunctionConfiguration =
  ({ targets, configurations }: Pick<LambdaServices, "targets" | "configurations">) =>
  (input: GetFunctionConfigurationRequest, ctx: RestRequestContext): FunctionConfiguration =>
    configurations.ofTarget(targets.resolve(input.FunctionName!, ctx.region, input.Qualifier));
