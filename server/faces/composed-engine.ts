import { createHash } from "node:crypto";
import type { Logger } from "../core/logger.js";
import { realTimers, type Timers } from "../core/timers.js";
import { FaceAnalyzer } from "./analyzer.js";
import type { AnalyzeOptions, DetectedFace, FaceAnalysis, FaceEngine, ImageInfo } from "./engine.js";
import { createFixtureEngine, type FixtureEngineOptions } from "./fixture-engine.js";
import { modelPackagesMissing } from "./model.js";
import { modelSimilarity, similarity as fixtureSimilarity } from "./similarity.js";

/**
 * Which engines answer (`--faces`):
 * - auto (default): the fixture engine for the fixture images and their near-copies, the
 *   model engine for everything else;
 * - fixtures: the fixture engine alone (exact and near-copies); any other image has no face;
 * - model: the model engine alone, for every image, the drawn fixtures included.
 */
export type FacesMode = "auto" | "fixtures" | "model";
export const FACES_MODES: readonly FacesMode[] = ["auto", "fixtures", "model"];

export interface FaceEngineOptions {
  mode?: FacesMode;
  logger: Logger;
  fixtures?: FixtureEngineOptions;
  /** Distinct images whose analysis is kept (by content hash). */
  cacheSize?: number;
  /** The packages the model needs (default MODEL_PACKAGES); tests name a missing one to see a lean install. */
  modelPackages?: readonly string[];
  /**
   * Seconds the analysis worker (and the model in it) may sit idle before it is ended and its
   * memory given back (default DEFAULT_MODEL_IDLE_SECONDS; 0 keeps it for good). The CLI reads
   * --face-model-idle-seconds and $REKOGNITO_FACE_MODEL_IDLE_SECONDS into it.
   */
  modelIdleSeconds?: number;
  /** The timers that idle period runs on (tests pass ManualTimers and move time). */
  timers?: Timers;
}

/** As long as Lambda keeps an idle execution environment (--lambda-idle-seconds' default). */
export const DEFAULT_MODEL_IDLE_SECONDS = 300;


/** Landmark types that trade places in a mirror (the rest, nose and chin, stay). */
const MIRRORED_TYPE: Record<string, string> = {};
for (const [a, b] of [
  ["eyeLeft", "eyeRight"],
  ["mouthLeft", "mouthRight"],
  ["leftEyeBrowLeft", "rightEyeBrowRight"],
  ["leftEyeBrowRight", "rightEyeBrowLeft"],
  ["leftEyeBrowUp", "rightEyeBrowUp"],
  ["leftEyeLeft", "rightEyeRight"],
  ["leftEyeRight", "rightEyeLeft"],
  ["leftEyeUp", "rightEyeUp"],
  ["leftEyeDown", "rightEyeDown"],
  ["noseLeft", "noseRight"],
  ["leftPupil", "rightPupil"],
  ["upperJawlineLeft", "upperJawlineRight"],
  ["midJawlineLeft", "midJawlineRight"],
] as const) {
  MIRRORED_TYPE[a] = b;
  MIRRORED_TYPE[b] = a;
}

/** A fixture face as it lies in the mirrored picture: box and landmarks flipped, roll and yaw negated. */
export function mirrorFace(face: DetectedFace): DetectedFace {
  const box = face.boundingBox;
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    ...face,
    boundingBox: { ...box, Left: round(1 - box.Left - box.Width) },
    landmarks: face.landmarks.map((l) => ({ Type: MIRRORED_TYPE[l.Type] ?? l.Type, X: round(1 - l.X), Y: l.Y })),
    pose: { Roll: -face.pose.Roll || 0, Yaw: -face.pose.Yaw || 0, Pitch: face.pose.Pitch },
  };
}

export const FIXTURE_SPACE = "fixture";
export const MODEL_SPACE = "model";

/**
 * The engines composed. For an image: its exact bytes may be a fixture (a hash look-up, on
 * the event loop: microseconds); otherwise the analysis worker decodes it, looks for a
 * near-copy of a fixture and, failing that, runs the model's nets, all off the event loop.
 * Each distinct image (by sha256) is analysed once: the answer is cached, so the same photo
 * sent to IndexFaces and then SearchFacesByImage costs one analysis.
 *
 * The model is not loaded at boot: the first image that needs it starts loading it in the
 * worker (and waits for it), or `warm()` does ahead of need (the bench, tests), which also runs
 * each net once so that the first photo is not the one that pays for their first passes.
 */
export function createFaceEngine(options: FaceEngineOptions): FaceEngine {
  const mode = options.mode ?? "auto";
  const logger = options.logger;
  const fixture = createFixtureEngine(options.fixtures);
  const missing = mode === "fixtures" ? [] : modelPackagesMissing(options.modelPackages);
  const modelWanted = mode !== "fixtures";
  const modelInstalled = missing.length === 0;
  const references = mode === "model" ? [] : fixture.images().map((i) => ({ sha256: i.sha256, path: i.path }));
  const idleSeconds = options.modelIdleSeconds ?? DEFAULT_MODEL_IDLE_SECONDS;
  const analyzer = new FaceAnalyzer(references, logger, idleSeconds > 0 ? { ms: idleSeconds * 1000, timers: options.timers ?? realTimers } : undefined);
  const cacheSize = options.cacheSize ?? 256;
  const cache = new Map<string, Promise<FaceAnalysis & { withAttributes: boolean }>>();
  let analysed = 0;

  const notInstalled = `the model engine's packages are not installed (${missing.join(", ")}: optional dependencies, left out by npm ci --omit=optional), so real photos are not recognised`;
  if (modelWanted && !modelInstalled) logger.warn(`faces: ${notInstalled}; run npm ci (with optional dependencies) to recognise them`);

  const useModel = modelWanted && modelInstalled;

  async function viaWorker(bytes: Buffer, image: ImageInfo, attributes: boolean): Promise<FaceAnalysis & { withAttributes: boolean }> {
    analysed++;
    const result = await analyzer.analyze(bytes, { model: useModel, attributes });
    if (result.undecodable) {
      return { image, faces: [], recognised: false, undecodable: true, note: `its pixels do not decode (${result.undecodable})`, withAttributes: true };
    }
    const upright: ImageInfo = { ...image, width: result.width, height: result.height };
    if (result.nearCopy) {
      const record = fixture.bySha256(result.nearCopy.sha256)!;
      const { score, runnerUp, mirrored } = result.nearCopy;
      const note = `a ${mirrored ? "mirrored " : ""}near-copy of fixture ${record.file} (match ${score.toFixed(3)}, next best ${runnerUp.toFixed(3)})`;
      const analysis = fixture.analysisOf(record, upright, note);
      if (mirrored) analysis.faces = analysis.faces.map(mirrorFace);
      return { ...analysis, withAttributes: true };
    }
    if (result.faces) {
      return { image: upright, faces: result.faces, recognised: true, space: MODEL_SPACE, note: `the model engine found ${result.faces.length} face(s) in ${result.ms.decode + result.ms.match + (result.ms.model ?? 0)} ms`, withAttributes: attributes };
    }
    const why =
      mode === "fixtures"
        ? "it is neither a fixture nor a near-copy of one, and the model engine is off (--faces fixtures)"
        : result.modelFailed
          ? `it is neither a fixture nor a near-copy of one, and the model engine could not load (${result.modelFailed}), so real photos are not recognised`
          : `it is neither a fixture nor a near-copy of one, and ${notInstalled}`;
    return { image: upright, faces: [], recognised: false, space: FIXTURE_SPACE, note: why, withAttributes: true };
  }

  const name = mode === "fixtures" ? "fixture" : useModel ? (mode === "model" ? "model" : "fixture+model") : "fixture";
  return {
    name,
    async analyze(bytes: Buffer, image: ImageInfo, analyzeOptions: AnalyzeOptions = {}): Promise<FaceAnalysis> {
      if (mode !== "model") {
        const record = fixture.lookup(bytes);
        if (record) return fixture.analysisOf(record, image);
      }
      const attributes = analyzeOptions.attributes ?? false;
      const key = createHash("sha256").update(bytes).digest("hex");
      let entry = cache.get(key);
      if (entry) {
        const cached = await entry.catch(() => undefined);
        if (!cached || (attributes && !cached.withAttributes)) entry = undefined;
      }
      if (!entry) {
        entry = viaWorker(bytes, image, attributes);
        cache.set(key, entry);
        // A failed analysis (a worker that died) is not kept: the next request tries again.
        entry.catch(() => cache.delete(key));
        while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      } else {
        // Most recently used last.
        cache.delete(key);
        cache.set(key, entry);
      }
      const { withAttributes: _w, ...analysis } = await entry;
      return structuredClone(analysis);
    },
    similarity(a, b, space) {
      return space === MODEL_SPACE ? modelSimilarity(a, b) : fixtureSimilarity(a, b);
    },
    warm() {
      analyzer.load(useModel);
    },
    health() {
      const model = !modelWanted
        ? { state: "off", reason: "--faces fixtures" }
        : !modelInstalled
          ? { state: "unavailable", reason: notInstalled, missing }
          : { ...analyzer.model };
      return {
        engine: name,
        mode,
        engines: [...(mode !== "model" ? ["fixture"] : []), ...(useModel ? ["model"] : [])],
        realPhotos: useModel ? "recognised by the model engine" : "not recognised",
        personas: (fixture.health() as { personas: number }).personas,
        images: (fixture.health() as { images: number }).images,
        manifests: (fixture.health() as { manifests: string[] }).manifests,
        model,
        analysed,
        cached: cache.size,
      };
    },
    close: () => analyzer.close(),
  };
}
