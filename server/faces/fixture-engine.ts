import { createHash } from "node:crypto";
import type { DetectedFace, FaceAnalysis, FaceEngine, ImageInfo } from "./engine.js";
import { loadFixtureManifest, type FixtureFace, type FixtureImage } from "./fixtures.js";
import { similarity } from "./similarity.js";

export interface FixtureEngineOptions {
  /** The main manifest; defaults to fixtures/faces/manifest.json (plus the user manifest if present). */
  manifestPath?: string;
  /** More manifests to merge, e.g. a project's own images recorded by `npm run add-fixture`. */
  extraManifests?: string[];
}

/**
 * The fixture engine: recognises an image by the sha256 of its bytes and answers the faces the
 * manifest records for it. An image it does not know has no faces (`recognised: false`), so a
 * real camera photo is "a photo without a face", not an error; the caller may log that.
 */
export interface FixtureEngine extends FaceEngine {
  /** The fixture image with exactly these bytes. */
  lookup(bytes: Buffer): FixtureImage | undefined;
  /** The fixture image whose bytes have this sha256 (lower-case hex). */
  bySha256(sha256: string): FixtureImage | undefined;
  /** Every distinct fixture image, for the near-copy match (composed-engine.ts). */
  images(): FixtureImage[];
  /** The faces a fixture image holds, as an analysis (fresh copies). */
  analysisOf(record: FixtureImage, image: ImageInfo, note?: string): FaceAnalysis;
}

export function createFixtureEngine(options: FixtureEngineOptions = {}): FixtureEngine {
  const loaded = loadFixtureManifest(options);
  const byHash = new Map<string, FixtureImage>();
  for (const image of loaded.images) if (!byHash.has(image.sha256)) byHash.set(image.sha256, image);

  const lookup = (bytes: Buffer) => byHash.get(createHash("sha256").update(bytes).digest("hex"));

  const analysisOf = (record: FixtureImage, image: ImageInfo, note?: string): FaceAnalysis => ({
    image,
    faces: record.faces.map(toDetectedFace),
    recognised: true,
    space: "fixture",
    ...(note ? { note } : {}),
  });

  return {
    name: "fixture",
    lookup,
    bySha256: (sha256) => byHash.get(sha256),
    images: () => [...byHash.values()],
    analysisOf,
    async analyze(bytes: Buffer, image: ImageInfo): Promise<FaceAnalysis> {
      const record = lookup(bytes);
      if (!record) return { image, faces: [], recognised: false };
      return analysisOf(record, image);
    },
    similarity,
    health() {
      return {
        engine: "fixture",
        personas: loaded.personas.length,
        images: loaded.images.length,
        manifests: loaded.manifestPaths,
      };
    },
  };
}

/** A fresh copy (callers may keep or change it), with attributes filled when the manifest has none. */
function toDetectedFace(face: FixtureFace): DetectedFace {
  const { persona: _persona, ...rest } = face;
  const copy = structuredClone(rest) as DetectedFace;
  copy.attributes ??= defaultAttributes();
  return copy;
}

/** Plausible attributes for a face recorded without them (e.g. added by add-fixture). */
export function defaultAttributes(): NonNullable<DetectedFace["attributes"]> {
  return {
    ageRange: { Low: 25, High: 35 },
    smile: { Value: false, Confidence: 92.5 },
    eyeglasses: { Value: false, Confidence: 97.1 },
    sunglasses: { Value: false, Confidence: 99.2 },
    gender: { Value: "Female", Confidence: 60.3 },
    beard: { Value: false, Confidence: 90.4 },
    mustache: { Value: false, Confidence: 95.8 },
    eyesOpen: { Value: true, Confidence: 96.7 },
    mouthOpen: { Value: false, Confidence: 94.2 },
    emotions: [
      { Type: "CALM", Confidence: 91.3 },
      { Type: "HAPPY", Confidence: 3.1 },
      { Type: "SURPRISED", Confidence: 1.9 },
      { Type: "CONFUSED", Confidence: 1.2 },
      { Type: "SAD", Confidence: 0.9 },
      { Type: "ANGRY", Confidence: 0.6 },
      { Type: "DISGUSTED", Confidence: 0.5 },
      { Type: "FEAR", Confidence: 0.5 },
    ],
    faceOccluded: { Value: false, Confidence: 98.8 },
    eyeDirection: { Yaw: 0, Pitch: 0, Confidence: 95.5 },
  };
}
