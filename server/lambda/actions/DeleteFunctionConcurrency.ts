import type { DeleteFunctionConcurrencyRequest } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const DeleteFunctionConcurrency =
  ({ functions, targets }: Pick<LambdaServices, "functions" | "targets">) =>
  (input: DeleteFunctionConcurrencyRequest, ctx: RestRequestContext): void => {
    const { reservedConcurrency: _, ...rest } = targets.require(input.FunctionName!, ctx.region);
    functions.put(rest);
  };
