import type { DeleteCollectionRequest, DeleteCollectionResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../context.js";
import { RekognitionErrors } from "../errors.js";

/** Deletes a collection and every face in it. */
export const DeleteCollection =
  ({ store }: Pick<RekognitionServices, "store">) =>
  (input: DeleteCollectionRequest, ctx: RequestContext): DeleteCollectionResponse => {
    const id = input.CollectionId!;
    if (!store.deleteCollection(ctx.accountId, ctx.region, id)) throw RekognitionErrors.collectionNotFound(id);
    return { StatusCode: 200 };
  };
