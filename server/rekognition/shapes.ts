import type { ComparedFace, Face, FaceDetail, Landmark } from "@aws-sdk/client-rekognition";
import type { DetectedFace } from "../faces/engine.js";
import type { StoredFace } from "./store.js";

/** The five landmarks Rekognition returns unless ALL attributes are asked for. */
const DEFAULT_LANDMARKS = new Set(["eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"]);

function landmarks(face: DetectedFace, all: boolean): Landmark[] {
  const list = all ? face.landmarks : face.landmarks.filter((l) => DEFAULT_LANDMARKS.has(l.Type));
  return list.map((l) => ({ Type: l.Type as Landmark["Type"], X: l.X, Y: l.Y }));
}

/** Whether Attributes asks for more than the DEFAULT set (the engine then computes them). */
export function wantsAttributes(requested: readonly string[] | undefined): boolean {
  return (requested ?? []).some((a) => a !== "DEFAULT");
}

/**
 * FaceDetail for DetectFaces and IndexFaces. DEFAULT (always): BoundingBox, Confidence,
 * Landmarks (five), Pose, Quality. ALL: every attribute and every landmark. A named attribute
 * (e.g. FACE_OCCLUDED) adds just that one to the default set.
 */
export function faceDetail(face: DetectedFace, requested: readonly string[] | undefined): FaceDetail {
  const asked = new Set(requested ?? []);
  const all = asked.has("ALL");
  const want = (name: string) => all || asked.has(name);
  const a = face.attributes ?? {};
  const detail: FaceDetail = { BoundingBox: { ...face.boundingBox } };
  if (want("AGE_RANGE") && a.ageRange) detail.AgeRange = { ...a.ageRange };
  if (want("SMILE") && a.smile) detail.Smile = { ...a.smile };
  if (want("EYEGLASSES") && a.eyeglasses) detail.Eyeglasses = { ...a.eyeglasses };
  if (want("SUNGLASSES") && a.sunglasses) detail.Sunglasses = { ...a.sunglasses };
  if (want("GENDER") && a.gender) detail.Gender = { ...a.gender };
  if (want("BEARD") && a.beard) detail.Beard = { ...a.beard };
  if (want("MUSTACHE") && a.mustache) detail.Mustache = { ...a.mustache };
  if (want("EYES_OPEN") && a.eyesOpen) detail.EyesOpen = { ...a.eyesOpen };
  if (want("MOUTH_OPEN") && a.mouthOpen) detail.MouthOpen = { ...a.mouthOpen };
  if (want("EMOTIONS") && a.emotions) detail.Emotions = a.emotions.map((e) => ({ Type: e.Type as never, Confidence: e.Confidence }));
  detail.Landmarks = landmarks(face, all);
  detail.Pose = { ...face.pose };
  detail.Quality = { ...face.quality };
  detail.Confidence = face.confidence;
  if (want("FACE_OCCLUDED") && a.faceOccluded) detail.FaceOccluded = { ...a.faceOccluded };
  if (want("EYE_DIRECTION") && a.eyeDirection) detail.EyeDirection = { ...a.eyeDirection };
  return detail;
}

/** A face of CompareFaces' target image (FaceMatches[].Face, UnmatchedFaces[]). */
export function comparedFace(face: DetectedFace): ComparedFace {
  return {
    BoundingBox: { ...face.boundingBox },
    Confidence: face.confidence,
    Landmarks: landmarks(face, false),
    Pose: { ...face.pose },
    Quality: { ...face.quality },
  };
}

/** A face of a collection as ListFaces, IndexFaces and the searches show it. */
export function storedFace(face: StoredFace): Face {
  return {
    FaceId: face.faceId,
    BoundingBox: { ...face.boundingBox },
    ImageId: face.imageId,
    ...(face.externalImageId !== undefined ? { ExternalImageId: face.externalImageId } : {}),
    Confidence: face.confidence,
    IndexFacesModelVersion: face.indexFacesModelVersion,
  };
}
