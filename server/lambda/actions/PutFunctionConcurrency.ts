import type { Concurrency, PutFunctionConcurrencyRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const putFunctionConcurrency =
  (backend: LambdaBackend) =>
  (input: PutFunctionConcurrencyRequest, ctx: RestRequestContext): Concurrency => ({
    ReservedConcurrentExecutions: backend.putConcurrency(input.FunctionName!, ctx.region, input.ReservedConcurrentExecutions!),
  });
