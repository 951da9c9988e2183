import type { CompareFacesMatch, CompareFacesRequest, CompareFacesResponse, ComparedFace } from "@aws-sdk/client-rekognition";
import { qualityReasons, type QualityFilter } from "../../faces/quality.js";
import type { RequestContext } from "../../protocol/json.js";
import { DEFAULT_SIMILARITY_THRESHOLD, type RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";
import { analyzeImage, largestFirst, type WireImage } from "../images.js";
import { comparedFace } from "../shapes.js";

type CompareFacesWire = Omit<CompareFacesRequest, "SourceImage" | "TargetImage"> & { SourceImage?: WireImage; TargetImage?: WireImage };

/**
 * Compares the largest face of the source image with each of the 100 largest faces of the
 * target. Matches (similarity ≥ SimilarityThreshold, default 80) come best first; the others
 * are UnmatchedFaces. No face in either image is InvalidParameterException. Stateless.
 */
export const CompareFaces =
  (services: Pick<RekognitionServices, "engine" | "objects" | "logger">) =>
  async (input: CompareFacesWire, _ctx: RequestContext): Promise<CompareFacesResponse> => {
    const filter = (input.QualityFilter ?? "NONE") as QualityFilter;
    const source = await analyzeImage(input.SourceImage, "sourceImage", services, "CompareFaces");
    const target = await analyzeImage(input.TargetImage, "targetImage", services, "CompareFaces");
    const passes = (img: typeof source) => largestFirst(img.analysis.faces).filter((f) => qualityReasons(f, img.analysis.image, filter).length === 0);
    const sourceFace = passes(source)[0];
    if (!sourceFace) throw RekognitionErrors.noFacesInImage();
    const targetFaces = passes(target);
    if (!targetFaces.length) throw RekognitionErrors.noFacesInImage();
    const threshold = input.SimilarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const matches: CompareFacesMatch[] = [];
    const unmatched: ComparedFace[] = [];
    for (const face of targetFaces) {
      // Faces found by two engines (a fixture and a real photo) live in different spaces: 0.
      const similarity = source.space === target.space ? services.engine.similarity(sourceFace.embedding, face.embedding, source.space) : 0;
      if (similarity >= threshold) matches.push({ Similarity: similarity, Face: comparedFace(face) });
      else unmatched.push(comparedFace(face));
    }
    matches.sort((a, b) => b.Similarity! - a.Similarity!);
    return {
      SourceImageFace: { BoundingBox: { ...sourceFace.boundingBox }, Confidence: sourceFace.confidence },
      FaceMatches: matches,
      UnmatchedFaces: unmatched,
    };
  };
