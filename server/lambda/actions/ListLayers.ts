import type { ListLayersRequest, ListLayersResponse } from "@aws-sdk/client-lambda";
import { matches } from "../layers.js";
import type { LambdaServices } from "../services.js";

/** AWS's default page size for ListLayers. */
const DEFAULT_PAGE = 50;

/** Each layer with its latest version that the runtime and architecture filters keep. */
export const ListLayers =
  ({ layers }: Pick<LambdaServices, "layers">) =>
  (input: ListLayersRequest): ListLayersResponse => {
    const items = layers.registry
      .list()
      .map((layer) => {
        const latest = [...layer.versions].reverse().find((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture));
        return latest ? layers.layerItem(layer, latest) : undefined;
      })
      .filter((item) => item !== undefined);
    const start = input.Marker ? Math.max(0, Number(Buffer.from(input.Marker, "base64url").toString("utf8")) || 0) : 0;
    const size = input.MaxItems ?? DEFAULT_PAGE;
    const out: ListLayersResponse = { Layers: items.slice(start, start + size) };
    if (start + size < items.length) out.NextMarker = Buffer.from(String(start + size)).toString("base64url");
    return out;
  };
