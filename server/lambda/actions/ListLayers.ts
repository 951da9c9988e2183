import type { ListLayersRequest, ListLayersResponse } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { StoredLayerVersion } from "../functions.js";

/** AWS's default page size for ListLayers. */
const DEFAULT_PAGE = 50;

/** A layer version that a filter on runtime and architecture keeps. */
export function matches(version: StoredLayerVersion, runtime?: string, architecture?: string): boolean {
  return (runtime === undefined || version.compatibleRuntimes.includes(runtime)) && (architecture === undefined || version.compatibleArchitectures.includes(architecture));
}

export const listLayers =
  (backend: LambdaBackend) =>
  (input: ListLayersRequest): ListLayersResponse => {
    const items = backend.layers.registry
      .list()
      .map((layer) => {
        const latest = [...layer.versions].reverse().find((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture));
        return latest ? backend.layers.layerItem(layer, latest) : undefined;
      })
      .filter((item) => item !== undefined);
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListLayersResponse = { Layers: items.slice(start, start + size) };
    if (start + size < items.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
