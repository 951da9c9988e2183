import type { GetFunctionConcurrencyRequest, GetFunctionConcurrencyResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const getFunctionConcurrency =
  (backend: LambdaBackend) =>
  (input: GetFunctionConcurrencyRequest, ctx: RestRequestContext): GetFunctionConcurrencyResponse => {
    const reserved = backend.getConcurrency(input.FunctionName!, ctx.region);
    // No reservation: AWS answers an empty object.
    return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
  };
