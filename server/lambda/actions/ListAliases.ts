import type { ListAliasesRequest, ListAliasesResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

/** AWS's default page size for ListAliases. */
const DEFAULT_PAGE = 50;

export const listAliases =
  (backend: LambdaBackend) =>
  (input: ListAliasesRequest, ctx: RestRequestContext): ListAliasesResponse => {
    const all = backend.aliasesOf(backend.require(input.FunctionName!, ctx.region), input.FunctionVersion);
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListAliasesResponse = { Aliases: all.slice(start, start + size) };
    if (start + size < all.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
