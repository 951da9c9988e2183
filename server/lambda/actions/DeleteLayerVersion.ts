import type { DeleteLayerVersionRequest } from "@aws-sdk/client-lambda";
import { layerName } from "../layers.js";
import type { LambdaServices } from "../services.js";

/** Deletes a layer version; functions using it keep it, as on AWS. */
export const DeleteLayerVersion =
  ({ functions, layers }: Pick<LambdaServices, "functions" | "layers">) =>
  (input: DeleteLayerVersionRequest): void => {
    layers.delete(layerName(input.LayerName!), Number(input.VersionNumber), (arn) => functions.usesLayer(arn));
  };
