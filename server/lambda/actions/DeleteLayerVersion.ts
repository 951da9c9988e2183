import type { DeleteLayerVersionRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { RestReply } from "../rest.js";
import { layerName } from "./GetLayerVersion.js";

export const deleteLayerVersion =
  (backend: LambdaBackend) =>
  (input: DeleteLayerVersionRequest): RestReply => {
    backend.layers.delete(layerName(input.LayerName!), Number(input.VersionNumber), (arn) => backend.layerInUse(arn));
    return new RestReply(204, {}, null);
  };
