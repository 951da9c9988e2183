import type { GetPolicyRequest, GetPolicyResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";

export const getPolicy =
  (backend: LambdaBackend) =>
  (input: GetPolicyRequest, ctx: RestRequestContext): GetPolicyResponse => {
    const fn = backend.require(input.FunctionName!, ctx.region, input.Qualifier);
    if (!fn.policy.length) throw LambdaErrors.policyNotFound();
    return {
      Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: fn.policy }),
      RevisionId: fn.revisionId,
    };
  };
