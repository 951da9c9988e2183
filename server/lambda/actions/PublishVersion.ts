import type { FunctionConfiguration, PublishVersionRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

export const publishVersion =
  (backend: LambdaBackend) =>
  (input: PublishVersionRequest, ctx: RestRequestContext): FunctionConfiguration => {
    const version = backend.publishVersion(input.FunctionName!, ctx.region, {
      CodeSha256: input.CodeSha256,
      Description: input.Description,
      RevisionId: input.RevisionId,
    });
    return backend.configuration(backend.require(input.FunctionName!, ctx.region), version);
  };
