import type { GetPolicyRequest, GetPolicyResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";

export const getPolicy =
  (backend: LambdaBackend) =>
  (input: GetPolicyRequest, ctx: RestRequestContext): GetPolicyResponse => {
    const target = backend.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const statements = backend.policyOf(target.fn, target.qualifier);
    if (!statements.length) throw LambdaErrors.policyNotFound();
    return {
      Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements }),
      RevisionId: target.fn.revisionId,
    };
  };
