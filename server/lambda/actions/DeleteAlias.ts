import type { DeleteAliasRequest } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Deletes an alias and its resource policy; one that does not exist succeeds, as on AWS (204). */
export const DeleteAlias =
  ({ functions, targets }: Pick<LambdaServices, "functions" | "targets">) =>
  (input: DeleteAliasRequest, ctx: RestRequestContext): void => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    const name = input.Name!;
    if (fn.aliases?.some((a) => a.name === name)) {
      const policies = { ...(fn.qualifiedPolicies ?? {}) };
      delete policies[name];
      functions.put({ ...fn, aliases: fn.aliases.filter((a) => a.name !== name), qualifiedPolicies: policies });
    }
  };
