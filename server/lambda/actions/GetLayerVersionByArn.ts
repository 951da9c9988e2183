import type { GetLayerVersionByArnRequest, GetLayerVersionResponse } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** GET /2018-10-31/layers?find=LayerVersion&Arn=… (the same path as ListLayers, told apart by `find`). */
export const GetLayerVersionByArn =
  ({ layers, packageUrls }: Pick<LambdaServices, "layers" | "packageUrls">) =>
  (input: GetLayerVersionByArnRequest, ctx: RestRequestContext): GetLayerVersionResponse => {
    const found = layers.byArn(input.Arn!);
    if (!found) throw LambdaErrors.resourceNotFound();
    return layers.output(found.layer, found.version, packageUrls.location(ctx.baseUrl, found.version.zipPath));
  };
