import type { ListAliasesRequest, ListAliasesResponse } from "@aws-sdk/client-lambda";
import { aliasesOf } from "../aliases.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** AWS's default page size for ListAliases. */
const DEFAULT_PAGE = 50;

export const ListAliases =
  ({ targets }: Pick<LambdaServices, "targets">) =>
  (input: ListAliasesRequest, ctx: RestRequestContext): ListAliasesResponse => {
    const all = aliasesOf(targets.require(input.FunctionName!, ctx.region), input.FunctionVersion);
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListAliasesResponse = { Aliases: all.slice(start, start + size) };
    if (start + size < all.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
