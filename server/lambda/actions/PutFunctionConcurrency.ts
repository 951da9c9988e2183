import type { Concurrency, PutFunctionConcurrencyRequest } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import { ACCOUNT_CONCURRENCY, MIN_UNRESERVED_CONCURRENCY } from "../limits.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Reserves concurrency for a function: at most that many invocations run at once; the account keeps 100 unreserved. */
export const PutFunctionConcurrency =
  ({ functions, targets }: Pick<LambdaServices, "functions" | "targets">) =>
  (input: PutFunctionConcurrencyRequest, ctx: RestRequestContext): Concurrency => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    const reserved = input.ReservedConcurrentExecutions!;
    const others = functions.list().reduce((sum, f) => (f.name === fn.name ? sum : sum + (f.reservedConcurrency ?? 0)), 0);
    if (ACCOUNT_CONCURRENCY - others - reserved < MIN_UNRESERVED_CONCURRENCY) {
      throw LambdaErrors.invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED_CONCURRENCY}].`,
      );
    }
    functions.put({ ...fn, reservedConcurrency: reserved });
    return { ReservedConcurrentExecutions: reserved };
  };
