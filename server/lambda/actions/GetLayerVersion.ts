import type { GetLayerVersionRequest, GetLayerVersionResponse } from "@aws-sdk/client-lambda";
import { layerName } from "../layers.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

export const GetLayerVersion =
  ({ layers, packageUrls }: Pick<LambdaServices, "layers" | "packageUrls">) =>
  (input: GetLayerVersionRequest, ctx: RestRequestContext): GetLayerVersionResponse => {
    const { layer, version } = layers.require(layerName(input.LayerName!), Number(input.VersionNumber));
    return layers.output(layer, version, packageUrls.location(ctx.baseUrl, version.zipPath));
  };
