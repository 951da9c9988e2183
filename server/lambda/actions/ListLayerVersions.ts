import type { ListLayerVersionsRequest, ListLayerVersionsResponse } from "@aws-sdk/client-lambda";
import { layerName, matches } from "../layers.js";
import type { LambdaServices } from "../services.js";

/** AWS's default page size for ListLayerVersions. */
const DEFAULT_PAGE = 50;

export const ListLayerVersions =
  ({ layers }: Pick<LambdaServices, "layers">) =>
  (input: ListLayerVersionsRequest): ListLayerVersionsResponse => {
    const layer = layers.registry.get(layerName(input.LayerName!));
    // Newest first, as AWS lists them; an unknown layer has none.
    const versions = layer ? [...layer.versions].reverse().filter((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture)) : [];
    const items = versions.map((v) => layers.listItem(layer!, v));
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListLayerVersionsResponse = { LayerVersions: items.slice(start, start + size) };
    if (start + size < items.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
