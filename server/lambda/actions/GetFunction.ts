import type { GetFunctionRequest, GetFunctionResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";
import { codeLocation } from "../routes.js";

export const getFunction =
  (backend: LambdaBackend) =>
  (input: GetFunctionRequest, ctx: RestRequestContext): GetFunctionResponse => {
    const fn = backend.require(input.FunctionName!, ctx.region, input.Qualifier);
    const out: GetFunctionResponse = { Configuration: backend.configuration(fn) };
    out.Code = fn.code.kind === "zip" ? { RepositoryType: "S3", Location: codeLocation(ctx.baseUrl, fn.name, fn.revisionId) } : { RepositoryType: "S3" };
    if (Object.keys(fn.tags).length) out.Tags = { ...fn.tags };
    return out;
  };
