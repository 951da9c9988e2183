import type { GetFunctionConcurrencyRequest, GetFunctionConcurrencyResponse } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const GetFunctionConcurrency =
  ({ targets }: Pick<LambdaServices, "targets">) =>
  (input: GetFunctionConcurrencyRequest, ctx: RestRequestContext): GetFunctionConcurrencyResponse => {
    const reserved = targets.require(input.FunctionName!, ctx.region).reservedConcurrency;
    // No reservation: AWS answers an empty object.
    return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
  };
