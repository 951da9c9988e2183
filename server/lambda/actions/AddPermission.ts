import type { AddPermissionRequest, AddPermissionResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const addPermission =
  (backend: LambdaBackend) =>
  (input: AddPermissionRequest, ctx: RestRequestContext): AddPermissionResponse => {
    const statement = backend.addPermission(input.FunctionName!, ctx.region, {
      StatementId: input.StatementId!,
      Action: input.Action!,
      Principal: input.Principal!,
      SourceArn: input.SourceArn,
      SourceAccount: input.SourceAccount,
      RevisionId: input.RevisionId,
      Qualifier: input.Qualifier,
    });
    return { Statement: JSON.stringify(statement) };
  };
