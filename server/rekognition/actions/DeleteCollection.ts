import type { DeleteCollectionRequest, DeleteCollectionResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";

/** Deletes a collection and every face in it. */
export const DeleteCollection =
  ({ collections }: Pick<RekognitionServices, "collections">) =>
  (input: DeleteCollectionRequest, ctx: RequestContext): DeleteCollectionResponse => {
    const id = input.CollectionId!;
    if (!collections.of(ctx).delete(id)) throw RekognitionErrors.collectionNotFound(id);
    return { StatusCode: 200 };
  };
