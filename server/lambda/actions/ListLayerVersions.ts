import type { ListLayerVersionsRequest, ListLayerVersionsResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { layerName } from "./GetLayerVersion.js";
import { matches } from "./ListLayers.js";

/** AWS's default page size for ListLayerVersions. */
const DEFAULT_PAGE = 50;

export const listLayerVersions =
  (backend: LambdaBackend) =>
  (input: ListLayerVersionsRequest): ListLayerVersionsResponse => {
    const layer = backend.layers.registry.get(layerName(input.LayerName!));
    // Newest first, as AWS lists them; an unknown layer has none.
    const versions = layer ? [...layer.versions].reverse().filter((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture)) : [];
    const items = versions.map((v) => backend.layers.listItem(layer!, v));
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListLayerVersionsResponse = { LayerVersions: items.slice(start, start + size) };
    if (start + size < items.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
