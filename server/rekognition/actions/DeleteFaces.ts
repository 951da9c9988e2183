import type { DeleteFacesRequest, DeleteFacesResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";

/**
 * Deletes faces from a collection. Ids that are not in it are not an error: AWS leaves them
 * out of DeletedFaces and reports them in UnsuccessfulFaceDeletions with FACE_NOT_FOUND.
 */
export const DeleteFaces =
  ({ collections }: Pick<RekognitionServices, "collections">) =>
  (input: DeleteFacesRequest, ctx: RequestContext): DeleteFacesResponse => {
    const id = input.CollectionId!;
    const here = collections.of(ctx);
    if (!here.get(id)) throw RekognitionErrors.collectionNotFound(id);
    const asked = input.FaceIds ?? [];
    const deleted = here.collection(id).delete(asked);
    const gone = new Set(deleted);
    const missing = [...new Set(asked)].filter((faceId) => !gone.has(faceId));
    return {
      DeletedFaces: deleted,
      UnsuccessfulFaceDeletions: missing.map((faceId) => ({ FaceId: faceId, Reasons: ["FACE_NOT_FOUND"] })),
    };
  };
