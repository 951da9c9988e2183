import type { RemovePermissionRequest } from "@aws-sdk/client-lambda";
import { checkRevision } from "../configuration-checks.js";
import { LambdaErrors } from "../errors.js";
import { policyOf } from "../permissions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Removes a statement from the resource policy of a function, version or alias. */
export const RemovePermission =
  ({ functions, targets, ids }: Pick<LambdaServices, "functions" | "targets" | "ids">) =>
  (input: RemovePermissionRequest, ctx: RestRequestContext): void => {
    const target = targets.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const fn = target.fn;
    checkRevision(fn, input.RevisionId);
    const statementId = input.StatementId!;
    const q = target.qualifier === "$LATEST" ? undefined : target.qualifier;
    const existing = policyOf(fn, q);
    if (!existing.some((s) => s.Sid === statementId)) throw LambdaErrors.statementNotFound(statementId, fn.arn);
    const rest = existing.filter((s) => s.Sid !== statementId);
    const next = ids.uuid();
    if (q) functions.put({ ...fn, qualifiedPolicies: { ...(fn.qualifiedPolicies ?? {}), [q]: rest }, revisionId: next });
    else functions.put({ ...fn, policy: rest, revisionId: next });
  };
