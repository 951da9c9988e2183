import type { DetectedFace, ImageInfo } from "./engine.js";

/**
 * IndexFaces' QualityFilter, as a function: the Reasons (Rekognition's own enum values) for
 * which a face is not indexed at a given quality bar. An empty list means the face passes.
 *
 * AWS does not publish its thresholds ("If you specify AUTO, Amazon Rekognition chooses the
 * quality bar"); these are rekognito's, chosen so that the fixtures behave like real photos
 * of the same kind: every document and selfie face passes AUTO (and HIGH), the tiny face fails
 * with SMALL_BOUNDING_BOX. AUTO is the default and uses the LOW bar.
 *
 * | reason             | rule (the face fails when ...)                          | LOW/AUTO | MEDIUM | HIGH |
 * |--------------------|---------------------------------------------------------|----------|--------|------|
 * | EXTREME_POSE       | max(|Yaw|, |Pitch|, |Roll|) > bar (degrees)             | 60       | 45     | 30   |
 * | LOW_BRIGHTNESS     | Quality.Brightness < bar                                | 10       | 20     | 30   |
 * | LOW_SHARPNESS      | Quality.Sharpness < bar                                 | 10       | 20     | 30   |
 * | LOW_CONFIDENCE     | Confidence < bar                                        | 80       | 90     | 99   |
 * | SMALL_BOUNDING_BOX | box Width or Height < bar (ratio of the image side),    | 0.05     | 0.08   | 0.12 |
 * |                    | or less than 20 pixels on the image                     |          |        |      |
 * | LOW_FACE_QUALITY   | (Brightness + Sharpness) / 2 < bar                      | 15       | 30     | 45   |
 *
 * NONE filters nothing. EXCEEDS_MAX_FACES depends on MaxFaces and is the caller's to add.
 * Reasons come in the order of Rekognition's Reason enum.
 */
export type QualityFilter = "NONE" | "AUTO" | "LOW" | "MEDIUM" | "HIGH";

export interface QualityBar {
  maxPoseDegrees: number;
  minBrightness: number;
  minSharpness: number;
  minConfidence: number;
  /** Minimum box width and height as a ratio of the image's width and height. */
  minBoxRatio: number;
  /** Minimum box width and height in pixels, whatever the image size. */
  minBoxPixels: number;
  minFaceQuality: number;
}

export const QUALITY_BARS: Record<Exclude<QualityFilter, "NONE" | "AUTO">, QualityBar> = {
  LOW: { maxPoseDegrees: 60, minBrightness: 10, minSharpness: 10, minConfidence: 80, minBoxRatio: 0.05, minBoxPixels: 20, minFaceQuality: 15 },
  MEDIUM: { maxPoseDegrees: 45, minBrightness: 20, minSharpness: 20, minConfidence: 90, minBoxRatio: 0.08, minBoxPixels: 20, minFaceQuality: 30 },
  HIGH: { maxPoseDegrees: 30, minBrightness: 30, minSharpness: 30, minConfidence: 99, minBoxRatio: 0.12, minBoxPixels: 20, minFaceQuality: 45 },
};

/** The bar AUTO stands for. */
export const AUTO_QUALITY_BAR = QUALITY_BARS.LOW;

export function qualityReasons(
  face: Pick<DetectedFace, "boundingBox" | "confidence" | "pose" | "quality">,
  image: Pick<ImageInfo, "width" | "height">,
  filter: QualityFilter,
): string[] {
  if (filter === "NONE") return [];
  const bar = filter === "AUTO" ? AUTO_QUALITY_BAR : QUALITY_BARS[filter];
  const reasons: string[] = [];
  const { Yaw, Pitch, Roll } = face.pose;
  if (Math.max(Math.abs(Yaw), Math.abs(Pitch), Math.abs(Roll)) > bar.maxPoseDegrees) reasons.push("EXTREME_POSE");
  if (face.quality.Brightness < bar.minBrightness) reasons.push("LOW_BRIGHTNESS");
  if (face.quality.Sharpness < bar.minSharpness) reasons.push("LOW_SHARPNESS");
  if (face.confidence < bar.minConfidence) reasons.push("LOW_CONFIDENCE");
  const box = face.boundingBox;
  const widthPx = box.Width * image.width;
  const heightPx = box.Height * image.height;
  if (
    box.Width < bar.minBoxRatio ||
    box.Height < bar.minBoxRatio ||
    widthPx < bar.minBoxPixels ||
    heightPx < bar.minBoxPixels
  ) {
    reasons.push("SMALL_BOUNDING_BOX");
  }
  if ((face.quality.Brightness + face.quality.Sharpness) / 2 < bar.minFaceQuality) reasons.push("LOW_FACE_QUALITY");
  return reasons;
}
