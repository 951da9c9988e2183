import type { ListCollectionsRequest, ListCollectionsResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import { DEFAULT_PAGE_SIZE, type RekognitionServices } from "../services.js";
import { collectionsToken, readCollectionsToken } from "../pagination.js";

/** Collection ids of the account in the region, in creation order, with their face model versions. */
export const ListCollections =
  ({ collections }: Pick<RekognitionServices, "collections">) =>
  (input: ListCollectionsRequest, ctx: RequestContext): ListCollectionsResponse => {
    const limit = input.MaxResults ? input.MaxResults : DEFAULT_PAGE_SIZE;
    const after = input.NextToken ? readCollectionsToken(input.NextToken) : 0;
    const all = collections.of(ctx).list().filter((c) => c.seq > after);
    const page = all.slice(0, limit);
    const out: ListCollectionsResponse = {
      CollectionIds: page.map((c) => c.collectionId),
      FaceModelVersions: page.map((c) => c.faceModelVersion),
    };
    if (all.length > limit) out.NextToken = collectionsToken(page[page.length - 1]!.seq);
    return out;
  };
