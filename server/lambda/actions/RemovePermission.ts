import type { RemovePermissionRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { RestReply, type RestRequestContext } from "../rest.js";

export const removePermission =
  (backend: LambdaBackend) =>
  (input: RemovePermissionRequest, ctx: RestRequestContext): RestReply => {
    backend.removePermission(input.FunctionName!, ctx.region, input.StatementId!, input.Qualifier, input.RevisionId);
    return new RestReply(204, {}, null);
  };
