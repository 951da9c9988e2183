import type { AddPermissionRequest, AddPermissionResponse } from "@aws-sdk/client-lambda";
import { checkRevision } from "../configuration-checks.js";
import { LambdaErrors } from "../errors.js";
import type { PolicyStatement } from "../functions.js";
import { policyOf, principalOf } from "../permissions.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Adds a statement to the resource policy of a function, or of one of its versions or aliases (Qualifier). */
export const AddPermission =
  ({ functions, targets, ids }: Pick<LambdaServices, "functions" | "targets" | "ids">) =>
  (input: AddPermissionRequest, ctx: RestRequestContext): AddPermissionResponse => {
    const target = targets.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const fn = target.fn;
    checkRevision(fn, input.RevisionId);
    const qualifier = target.qualifier === "$LATEST" ? undefined : target.qualifier;
    const existing = policyOf(fn, qualifier);
    if (existing.some((s) => s.Sid === input.StatementId)) throw LambdaErrors.statementExists(input.StatementId!);
    const statement: PolicyStatement = {
      Sid: input.StatementId!,
      Effect: "Allow",
      Principal: principalOf(input.Principal!),
      Action: input.Action!,
      Resource: qualifier ? `${fn.arn}:${qualifier}` : fn.arn,
    };
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceAccount) condition["StringEquals"] = { "AWS:SourceAccount": input.SourceAccount };
    if (input.SourceArn) condition["ArnLike"] = { "AWS:SourceArn": input.SourceArn };
    if (Object.keys(condition).length) statement.Condition = condition;
    const revisionId = ids.uuid();
    if (qualifier) functions.put({ ...fn, qualifiedPolicies: { ...(fn.qualifiedPolicies ?? {}), [qualifier]: [...existing, statement] }, revisionId });
    else functions.put({ ...fn, policy: [...fn.policy, statement], revisionId });
    return { Statement: JSON.stringify(statement) };
  };
