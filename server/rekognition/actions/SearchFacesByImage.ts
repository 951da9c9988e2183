import type { SearchFacesByImageRequest, SearchFacesByImageResponse } from "@aws-sdk/client-rekognition";
import { qualityReasons, type QualityFilter } from "../../faces/quality.js";
import type { RequestContext } from "../../protocol/json.js";
import { DEFAULT_FACE_MATCH_THRESHOLD, DEFAULT_SEARCH_MAX_FACES, type RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";
import { analyzeImage, largestFirst, similarityIn, type WireImage } from "../images.js";
import { storedFace } from "../shapes.js";

type SearchFacesByImageWire = Omit<SearchFacesByImageRequest, "Image"> & { Image?: WireImage };

/**
 * Searches the collection with the largest face of an image ("searches the image for the
 * largest face ... then searches the specified collection for matching faces"; the others are
 * ignored). No face (after QualityFilter, default NONE) is InvalidParameterException, as on
 * AWS. Only faces of the same engine's space can match; the others score 0.
 */
export const SearchFacesByImage =
  (services: Pick<RekognitionServices, "collections" | "engine" | "objects" | "logger">) =>
  async (input: SearchFacesByImageWire, ctx: RequestContext): Promise<SearchFacesByImageResponse> => {
    const { engine } = services;
    const here = services.collections.of(ctx);
    const collectionId = input.CollectionId!;
    if (!here.get(collectionId)) throw RekognitionErrors.collectionNotFound(collectionId);
    const image = await analyzeImage(input.Image, "image", services, "SearchFacesByImage");
    const info = here.get(collectionId);
    if (!info) throw RekognitionErrors.collectionNotFound(collectionId);
    const filter = (input.QualityFilter ?? "NONE") as QualityFilter;
    const face = largestFirst(image.analysis.faces).find((f) => qualityReasons(f, image.analysis.image, filter).length === 0);
    if (!face) throw RekognitionErrors.noFacesInImage();
    const threshold = input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD;
    const limit = input.MaxFaces ?? DEFAULT_SEARCH_MAX_FACES;
    const matches = here.collection(collectionId).search(face.embedding, similarityIn(engine, image.space), threshold, limit, undefined, image.space);
    return {
      SearchedFaceBoundingBox: { ...face.boundingBox },
      SearchedFaceConfidence: face.confidence,
      FaceMatches: matches.map((m) => ({ Similarity: m.similarity, Face: storedFace(m.face) })),
      FaceModelVersion: info.faceModelVersion,
    };
  };
