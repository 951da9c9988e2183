import type { SearchFacesRequest, SearchFacesResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import { DEFAULT_FACE_MATCH_THRESHOLD, DEFAULT_SEARCH_MAX_FACES, type RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";
import { storedFace } from "../shapes.js";
import { LEGACY_FACE_SPACE } from "../store.js";

/**
 * Faces of the collection like a face already in it, best first; the face itself is not
 * among the matches. FaceMatchThreshold defaults to 80, MaxFaces to 80.
 */
export const SearchFaces =
  ({ collections, engine }: Pick<RekognitionServices, "collections" | "engine">) =>
  (input: SearchFacesRequest, ctx: RequestContext): SearchFacesResponse => {
    const collectionId = input.CollectionId!;
    const here = collections.of(ctx);
    const info = here.get(collectionId);
    if (!info) throw RekognitionErrors.collectionNotFound(collectionId);
    const faceId = input.FaceId!;
    const collection = here.collection(collectionId);
    const query = collection.embedding(faceId);
    if (!query) throw RekognitionErrors.faceNotFound();
    const space = collection.face(faceId)?.space ?? LEGACY_FACE_SPACE;
    const threshold = input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD;
    const limit = input.MaxFaces ?? DEFAULT_SEARCH_MAX_FACES;
    // Copy the query: the store's row may move while we search (it does not today, but the view is shared).
    const matches = collection.search(Float32Array.from(query), (a, b) => engine.similarity(a, b, space), threshold, limit, faceId, space);
    return {
      SearchedFaceId: faceId,
      FaceMatches: matches.map((m) => ({ Similarity: m.similarity, Face: storedFace(m.face) })),
      FaceModelVersion: info.faceModelVersion,
    };
  };
