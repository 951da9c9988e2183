import type { GetFunctionRequest, GetFunctionResponse } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const GetFunction =
  ({ targets, configurations, packageUrls }: Pick<LambdaServices, "targets" | "configurations" | "packageUrls">) =>
  (input: GetFunctionRequest, ctx: RestRequestContext): GetFunctionResponse => {
    const target = targets.resolve(input.FunctionName!, ctx.region, input.Qualifier);
    const { fn, state } = target;
    const out: GetFunctionResponse = { Configuration: configurations.ofTarget(target) };
    // A presigned URL that downloads the package as it was uploaded (a hot-reload directory has none).
    out.Code = state.code.kind === "zip" ? { RepositoryType: "S3", Location: packageUrls.location(ctx.baseUrl, state.code.zipPath) } : { RepositoryType: "S3" };
    if (Object.keys(fn.tags).length) out.Tags = { ...fn.tags };
    if (fn.reservedConcurrency !== undefined) out.Concurrency = { ReservedConcurrentExecutions: fn.reservedConcurrency };
    return out;
  };
