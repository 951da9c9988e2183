import type { FaceRecord, IndexFacesRequest, IndexFacesResponse, UnindexedFace } from "@aws-sdk/client-rekognition";
import type { DetectedFace, ImageInfo } from "../../faces/engine.js";
import { qualityReasons, type QualityFilter } from "../../faces/quality.js";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";
import { analyzeImage, largestFirst, MAX_DETECTED_FACES, type WireImage } from "../images.js";
import { faceDetail, storedFace, wantsAttributes } from "../shapes.js";
import { FACE_MODEL_VERSION, type NewFace, type StoredFace } from "../store.js";

type IndexFacesWire = Omit<IndexFacesRequest, "Image"> & { Image?: WireImage };

function sameBox(a: StoredFace["boundingBox"], b: DetectedFace["boundingBox"]): boolean {
  return a.Width === b.Width && a.Height === b.Height && a.Left === b.Left && a.Top === b.Top;
}

/** (Brightness + Sharpness) / 2: the face quality QualityFilter's LOW_FACE_QUALITY measures. */
function faceQuality(face: DetectedFace): number {
  return (face.quality.Brightness + face.quality.Sharpness) / 2;
}

/**
 * The at most `maxFaces` faces IndexFaces keeps of those that passed QualityFilter (given
 * largest first; answered in that order): low-quality faces (failing the AUTO bar) leave
 * first, worst first, then the smallest.
 */
function keepBest(faces: DetectedFace[], maxFaces: number, image: ImageInfo): DetectedFace[] {
  if (faces.length <= maxFaces) return faces;
  const low = faces
    .filter((f) => qualityReasons(f, image, "AUTO").length > 0)
    .sort((a, b) => faceQuality(a) - faceQuality(b) || a.confidence - b.confidence);
  const dropped = new Set(low.slice(0, faces.length - maxFaces));
  const left = faces.filter((f) => !dropped.has(f));
  return left.slice(0, maxFaces);
}

/**
 * Detects the faces of an image and adds them to a collection.
 *
 * - At most the 100 largest faces are considered ("IndexFaces returns no more than 100
 *   detected faces in an image, even if you specify a larger value for MaxFaces").
 * - QualityFilter (default AUTO) keeps faces below the bar out, with their Reasons.
 * - When more faces pass than MaxFaces: "the faces with the lowest quality are filtered out
 *   first. If there are still more faces than the value of MaxFaces, the faces with the
 *   smallest bounding boxes are filtered out". Lowest quality here: the faces that fail the
 *   AUTO bar (QualityFilter NONE lets them through), worst face quality first; then the
 *   smallest. Those left out are UnindexedFaces with EXCEEDS_MAX_FACES.
 * - The same image (same bytes, hence the same ImageId) indexed again with the same
 *   ExternalImageId into the same collection stores no duplicate: the faces already stored
 *   for it are returned again.
 * - An image with no face (or one the engine does not recognise) indexes nothing, and that
 *   is a success with empty FaceRecords, as on AWS.
 */
export const IndexFaces =
  (services: Pick<RekognitionServices, "collections" | "engine" | "objects" | "logger" | "ids">) =>
  async (input: IndexFacesWire, ctx: RequestContext): Promise<IndexFacesResponse> => {
    const { ids } = services;
    const here = services.collections.of(ctx);
    const collectionId = input.CollectionId!;
    if (!here.get(collectionId)) throw RekognitionErrors.collectionNotFound(collectionId);
    const image = await analyzeImage(input.Image, "image", services, "IndexFaces", { attributes: wantsAttributes(input.DetectionAttributes) });
    // The collection may have gone while the image was read.
    if (!here.get(collectionId)) throw RekognitionErrors.collectionNotFound(collectionId);
    const collection = here.collection(collectionId);

    const filter = (input.QualityFilter ?? "AUTO") as QualityFilter;
    const maxFaces = Math.min(input.MaxFaces ?? MAX_DETECTED_FACES, MAX_DETECTED_FACES);
    const attributes = input.DetectionAttributes;
    const externalImageId = input.ExternalImageId;

    const unindexed: UnindexedFace[] = [];
    const accepted: DetectedFace[] = [];
    for (const face of largestFirst(image.analysis.faces)) {
      const reasons = qualityReasons(face, image.analysis.image, filter);
      if (reasons.length) unindexed.push({ Reasons: reasons as UnindexedFace["Reasons"], FaceDetail: faceDetail(face, attributes) });
      else accepted.push(face);
    }
    const toIndex = keepBest(accepted, maxFaces, image.analysis.image);
    const kept = new Set(toIndex);
    for (const face of accepted) {
      if (!kept.has(face)) unindexed.push({ Reasons: ["EXCEEDS_MAX_FACES"], FaceDetail: faceDetail(face, attributes) });
    }

    const existing = collection.ofImage(image.imageId, externalImageId);
    const used = new Set<string>();
    const records: FaceRecord[] = [];
    const added: NewFace[] = [];
    for (const face of toIndex) {
      const again = existing.find((f) => !used.has(f.faceId) && sameBox(f.boundingBox, face.boundingBox));
      let stored: StoredFace;
      if (again) {
        used.add(again.faceId);
        stored = again;
      } else {
        stored = {
          faceId: ids.uuid(),
          imageId: image.imageId,
          ...(externalImageId !== undefined ? { externalImageId } : {}),
          boundingBox: { ...face.boundingBox },
          confidence: face.confidence,
          indexFacesModelVersion: FACE_MODEL_VERSION,
          space: image.space,
        };
        added.push({ face: stored, embedding: face.embedding });
      }
      records.push({ Face: storedFace(stored), FaceDetail: faceDetail(face, attributes) });
    }
    collection.add(added);

    return { FaceRecords: records, FaceModelVersion: FACE_MODEL_VERSION, UnindexedFaces: unindexed };
  };
