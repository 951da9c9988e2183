import type { DeleteFacesRequest, DeleteFacesResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../context.js";
import { RekognitionErrors } from "../errors.js";

/**
 * Deletes faces from a collection. Ids that are not in it are not an error: AWS leaves them
 * out of DeletedFaces and reports them in UnsuccessfulFaceDeletions with FACE_NOT_FOUND.
 */
export const DeleteFaces =
  ({ store }: Pick<RekognitionServices, "store">) =>
  (input: DeleteFacesRequest, ctx: RequestContext): DeleteFacesResponse => {
    const id = input.CollectionId!;
    if (!store.getCollection(ctx.accountId, ctx.region, id)) throw RekognitionErrors.collectionNotFound(id);
    const asked = input.FaceIds ?? [];
    const deleted = store.deleteFaces(ctx.accountId, ctx.region, id, asked);
    const gone = new Set(deleted);
    const missing = [...new Set(asked)].filter((faceId) => !gone.has(faceId));
    return {
      DeletedFaces: deleted,
      UnsuccessfulFaceDeletions: missing.map((faceId) => ({ FaceId: faceId, Reasons: ["FACE_NOT_FOUND"] })),
    };
  };
