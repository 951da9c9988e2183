import type { DeleteAliasRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { RestReply, type RestRequestContext } from "../rest.js";

export const deleteAlias =
  (backend: LambdaBackend) =>
  (input: DeleteAliasRequest, ctx: RestRequestContext): RestReply => {
    backend.deleteAlias(input.FunctionName!, ctx.region, input.Name!);
    return new RestReply(204, {}, null);
  };
