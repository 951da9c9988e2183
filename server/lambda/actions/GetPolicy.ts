import type { GetPolicyRequest, GetPolicyResponse } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import { policyOf } from "../permissions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** The resource policy of a function, version or alias; none is ResourceNotFoundException, as on AWS. */
export const GetPolicy =
  ({ targets }: Pick<LambdaServices, "targets">) =>
  (input: GetPolicyRequest, ctx: RestRequestContext): GetPolicyResponse => {
    const target = targets.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const statements = policyOf(target.fn, target.qualifier);
    if (!statements.length) throw LambdaErrors.policyNotFound();
    return {
      Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements }),
      RevisionId: target.fn.revisionId,
    };
  };
