import type { DeleteLayerVersionRequest } from "@aws-sdk/client-lambda";
import { layerName } from "../layers.js";
import { RestReply } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Deletes a layer version; functions using it keep it, as on AWS. */
export const DeleteLayerVersion =
  ({ functions, layers }: Pick<LambdaServices, "functions" | "layers">) =>
  (input: DeleteLayerVersionRequest): RestReply => {
    layers.delete(layerName(input.LayerName!), Number(input.VersionNumber), (arn) => functions.usesLayer(arn));
    return new RestReply(204, {}, null);
  };
