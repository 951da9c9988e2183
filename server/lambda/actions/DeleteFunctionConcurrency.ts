import type { DeleteFunctionConcurrencyRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { RestReply, type RestRequestContext } from "../rest.js";

export const deleteFunctionConcurrency =
  (backend: LambdaBackend) =>
  (input: DeleteFunctionConcurrencyRequest, ctx: RestRequestContext): RestReply => {
    backend.deleteConcurrency(input.FunctionName!, ctx.region);
    return new RestReply(204, {}, null);
  };
