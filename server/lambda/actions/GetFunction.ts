import type { GetFunctionRequest, GetFunctionResponse } from "@aws-sdk/client-lambda";
import type { Clock } from "../../core/clock.js";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";
import { codeLocation } from "../routes.js";

export const getFunction =
  (backend: LambdaBackend, clock: Clock) =>
  (input: GetFunctionRequest, ctx: RestRequestContext): GetFunctionResponse => {
    const target = backend.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const { fn, state } = target;
    const out: GetFunctionResponse = { Configuration: backend.configurationOf(target) };
    // A presigned URL that downloads the package as it was uploaded (a hot-reload directory has none).
    out.Code = state.code.kind === "zip" ? { RepositoryType: "S3", Location: codeLocation(ctx.baseUrl, backend, clock, state.code.zipPath) } : { RepositoryType: "S3" };
    if (Object.keys(fn.tags).length) out.Tags = { ...fn.tags };
    if (fn.reservedConcurrency !== undefined) out.Concurrency = { ReservedConcurrentExecutions: fn.reservedConcurrency };
    return out;
  };
