import type { ListVersionsByFunctionRequest, ListVersionsByFunctionResponse } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** AWS's default page size for ListVersionsByFunction. */
const DEFAULT_PAGE = 50;

export const ListVersionsByFunction =
  ({ targets, configurations }: Pick<LambdaServices, "targets" | "configurations">) =>
  (input: ListVersionsByFunctionRequest, ctx: RestRequestContext): ListVersionsByFunctionResponse => {
    const all = configurations.versions(targets.require(input.FunctionName!, ctx.region));
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListVersionsByFunctionResponse = { Versions: all.slice(start, start + size) };
    if (start + size < all.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
