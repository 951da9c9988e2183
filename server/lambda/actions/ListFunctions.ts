import type { FunctionConfiguration, ListFunctionsRequest, ListFunctionsResponse } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import type { LambdaServices } from "../services.js";

/** AWS's default page size for ListFunctions. */
const DEFAULT_PAGE = 50;

export const ListFunctions =
  ({ functions, configurations }: Pick<LambdaServices, "functions" | "configurations">) =>
  (input: ListFunctionsRequest): ListFunctionsResponse => {
    if (input.FunctionVersion !== undefined && input.FunctionVersion !== "ALL") {
      throw LambdaErrors.invalidParameter("Invalid value for FunctionVersion: only ALL is supported.");
    }
    // FunctionVersion=ALL lists every published version too, after its $LATEST.
    const all: FunctionConfiguration[] = functions.list().flatMap((fn) => (input.FunctionVersion === "ALL" ? configurations.versions(fn) : [configurations.of(fn)]));
    const keyOf = (c: FunctionConfiguration) => `${c.FunctionName}\u0000${c.Version === "$LATEST" ? "" : String(c.Version).padStart(12, "0")}`;
    let start = 0;
    if (input.Marker) {
      const after = Buffer.from(input.Marker, "base64url").toString("utf8");
      start = all.findIndex((c) => keyOf(c) > after);
      if (start < 0) start = all.length;
    }
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const page = all.slice(start, start + size);
    const out: ListFunctionsResponse = { Functions: page };
    if (start + size < all.length) out.NextMarker = Buffer.from(keyOf(page[page.length - 1]!)).toString("base64url");
    return out;
  };
