import type { ListFunctionsRequest, ListFunctionsResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";

/** AWS's default page size for ListFunctions. */
const DEFAULT_PAGE = 50;

export const listFunctions =
  (backend: LambdaBackend) =>
  (input: ListFunctionsRequest): ListFunctionsResponse => {
    if (input.FunctionVersion !== undefined && input.FunctionVersion !== "ALL") {
      throw LambdaErrors.invalidParameter("Invalid value for FunctionVersion: only ALL is supported.");
    }
    const all = backend.registry.list();
    let start = 0;
    if (input.Marker) {
      const after = Buffer.from(input.Marker, "base64url").toString("utf8");
      start = all.findIndex((fn) => fn.name > after);
      if (start < 0) start = all.length;
    }
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const page = all.slice(start, start + size);
    const out: ListFunctionsResponse = { Functions: page.map((fn) => backend.configuration(fn)) };
    if (start + size < all.length) out.NextMarker = Buffer.from(page[page.length - 1]!.name).toString("base64url");
    return out;
  };
