import type { DeleteFunctionRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { RestReply, type RestRequestContext } from "../rest.js";

export const deleteFunction =
  (backend: LambdaBackend) =>
  (input: DeleteFunctionRequest, ctx: RestRequestContext): RestReply => {
    backend.deleteFunction(input.FunctionName!, ctx.region, input.Qualifier);
    return new RestReply(204, {}, null);
  };
