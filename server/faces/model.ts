import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DetectedFace, Landmark } from "./engine.js";
import { faceQuality, round, type PixelBox, type RgbImage } from "./pixels.js";
import { createRecognitionNet, type RecognitionParams, type RecognitionTf } from "./recognition.js";
import { createSsdDetector, type SsdParams, type Tensor } from "./ssd.js";
import { prepareWasmThreads, wasmThreadsWanted } from "./wasm-threads.js";

/**
 * The model engine's nets, inside the analysis worker: face-api (@vladmandic/face-api, MIT)
 * on TensorFlow.js's WebAssembly backend. SSD MobileNet v1 finds the faces, a 68-point net
 * places the landmarks, a ResNet-like net gives each face a 128-value descriptor; the
 * age/gender and expression nets give the attributes when they are asked for. The weights
 * ship inside the npm package (13.5 MB), so nothing is fetched; on the WebAssembly backend,
 * on one thread or two, the same image gives bit-identical answers in every run and process.
 *
 * The packages are optional dependencies: `modelPackagesMissing()` says which are absent in a
 * lean install (`npm ci --omit=optional`), and the engine reports that instead of loading.
 */

const require = createRequire(import.meta.url);
export const MODEL_PACKAGES = ["@vladmandic/face-api", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"] as const;

/** The optional packages that cannot be resolved from here (empty when the model can load). */
export function modelPackagesMissing(names: readonly string[] = MODEL_PACKAGES): string[] {
  return names.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
}

/* The parts of face-api's and tfjs's API used here (their typings need DOM types). */
interface Point {
  x: number;
  y: number;
}
interface FaceResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: Point[] };
  descriptor: Float32Array;
  expressions?: Record<string, number>;
  age?: number;
  gender?: string;
  genderProbability?: number;
}
interface Query extends PromiseLike<FaceResult[]> {
  withFaceLandmarks(): Query;
  withFaceDescriptors(): Query;
  withFaceExpressions(): Query;
  withAgeAndGender(): Query;
}
/** face-api's batch of face crops for a net: `toBatchTensor(side, centred)` pads each to a square and resizes it. */
interface NetInput {
  toBatchTensor(side: number, centred: boolean): Tensor;
}
interface FaceApi {
  version: string;
  nets: Record<"ssdMobilenetv1" | "faceLandmark68Net" | "faceRecognitionNet" | "ageGenderNet" | "faceExpressionNet", { loadFromDisk(dir: string): Promise<void>; params?: unknown }>;
  FaceDetection: new (score: number, relativeBox: unknown, imageDims: { width: number; height: number }) => unknown;
  Rect: new (x: number, y: number, width: number, height: number) => unknown;
  /** The landmarks (then descriptors, expressions, age) of faces already found, as detectAllFaces(…).withFaceLandmarks() does after its own detection. */
  DetectAllFaceLandmarksTask: new (found: Promise<{ detection: unknown }[]>, input: Tensor, useTinyLandmarkNet: boolean) => Query;
}
interface Tf extends RecognitionTf {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  backend(): unknown;
  env(): { set(flag: string, value: boolean): void };
  tensor3d(values: Uint8Array | Int32Array, shape: [number, number, number], dtype: "int32"): Tensor;
}

/** SSD's own threshold for calling something a face (Rekognition's Confidence is this score × 100). */
export const MIN_DETECTION_SCORE = 0.5;
/** The most faces SSD reports in one image (IndexFaces keeps at most 100 of them). */
const MAX_FACES = 100;
/**
 * SSD misses a face that fills the frame (a tight ID-photo crop), or finds it unsure with a box
 * cut by the edges: when nothing is found, or no face scores PAD_RETRY_BELOW, the image is
 * searched again inside a grey border of this fraction of its size on every side.
 */
export const PAD_FRACTION = 0.25;
export const PAD_RETRY_BELOW = 0.8;

export interface LoadedModel {
  versions: { faceApi: string; tfjs: string; backend: string };
  loadMs: number;
  analyze(image: RgbImage, options: { attributes: boolean }): Promise<DetectedFace[]>;
}

/**
 * Loads the nets (in the worker). Throws with the reason when a package is missing. With
 * `warmUp` (a load ahead of need, in the background) every net also runs once (see below).
 */
export async function loadModel(options: { warmUp?: boolean } = {}): Promise<LoadedModel> {
  const started = performance.now();
  const missing = modelPackagesMissing();
  if (missing.length) throw new Error(`the model packages are not installed: ${missing.join(", ")}`);
  const tf = require("@tensorflow/tfjs") as Tf;
  const wasm = require("@tensorflow/tfjs-backend-wasm") as { setWasmPaths(prefix: string): void; setThreadsCount(n: number): void; getThreadsCount(): number };
  // The package's main needs tfjs-node (a native binary fetched at install time); this bundle
  // runs on the tfjs just loaded.
  const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js") as FaceApi;
  // Read the .wasm files from the installed package (a path, not a URL: Node's fetch has no file:).
  wasm.setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"))}/dist/`);
  // Two threads on two cores or more, unless REKOGNITO_FACE_THREADS says (wasm-threads.ts: what it gives).
  const threads = wasmThreadsWanted();
  const threadsReady = threads > 1 ? prepareWasmThreads(tf, wasm, threads) : undefined;
  try {
    await tf.setBackend("wasm");
    await tf.ready();
  } finally {
    threadsReady?.(tf.backend());
  }
  const weights = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
  for (const net of ["ssdMobilenetv1", "faceLandmark68Net", "faceRecognitionNet", "ageGenderNet", "faceExpressionNet"] as const) {
    await faceapi.nets[net].loadFromDisk(weights);
  }
  // face-api's detector on its own weights, run faster (ssd.ts), and so its recognition net's
  // pass (recognition.ts), which face-api's own descriptor task then calls; the landmark and
  // attribute nets as they are.
  const ssd = createSsdDetector(tf, faceapi.nets.ssdMobilenetv1.params as SsdParams);
  const recognition = createRecognitionNet(tf, faceapi.nets.faceRecognitionNet.params as RecognitionParams);
  (faceapi.nets.faceRecognitionNet as unknown as { forwardInput(input: NetInput): Tensor }).forwardInput = (input) => recognition(input.toBatchTensor(150, true));

  const run = async (image: RgbImage, attributes: boolean): Promise<FaceResult[]> => {
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], "int32");
    try {
      const found = ssd.detect(tensor, MIN_DETECTION_SCORE, MAX_FACES);
      if (found.length === 0) return [];
      const dims = { width: image.width, height: image.height };
      const detections = found.map(({ score, box }) => ({ detection: new faceapi.FaceDetection(score, new faceapi.Rect(box.x, box.y, box.width, box.height), dims) }));
      let query = new faceapi.DetectAllFaceLandmarksTask(Promise.resolve(detections), tensor, false).withFaceDescriptors();
      if (attributes) query = query.withFaceExpressions().withAgeAndGender();
      return await query;
    } finally {
      tensor.dispose();
    }
  };

  // Warm-up: each net's first pass costs several times a later one (XNNPACK packs each
  // convolution's weights at its first use, the WebAssembly memory grows to its working size),
  // so a load ahead of need runs every net once, on a grey picture with a made-up face in it,
  // instead of on the first photo someone sends (measured at load 8: the first photo took ~925 ms
  // of CPU cold, ~400-540 warm). A load that a photo waits for skips it: that photo's own pass
  // is the warm-up. The answers of later passes do not depend on it.
  if (options.warmUp) {
    const side = 160;
    const grey = tf.tensor3d(new Uint8Array(side * side * 3).fill(128), [side, side, 3], "int32");
    try {
      ssd.detect(grey, MIN_DETECTION_SCORE, MAX_FACES);
      const madeUp = [{ detection: new faceapi.FaceDetection(0.99, new faceapi.Rect(0.25, 0.2, 0.5, 0.6), { width: side, height: side }) }];
      await new faceapi.DetectAllFaceLandmarksTask(Promise.resolve(madeUp), grey, false).withFaceDescriptors().withFaceExpressions().withAgeAndGender();
    } finally {
      grey.dispose();
    }
  }

  return {
    versions: { faceApi: faceapi.version, tfjs: tf.version_core, backend: wasm.getThreadsCount() > 1 ? `${tf.getBackend()} (${wasm.getThreadsCount()} threads)` : tf.getBackend() },
    loadMs: Math.round(performance.now() - started),
    async analyze(image, { attributes }) {
      let results = await run(image, attributes);
      let offset = { x: 0, y: 0 };
      // A face that fills the frame is missed, or found unsure with a box cut by the frame's
      // edges (a tight ID-photo crop: 0.51 where the bordered picture gives 0.92): the picture
      // is searched again inside a border, and that search's faces are kept if it is surer.
      const surest = (found: FaceResult[]) => Math.max(0, ...found.map((r) => r.detection.score));
      if (surest(results) < PAD_RETRY_BELOW) {
        const padded = pad(image, PAD_FRACTION);
        const again = await run(padded.image, attributes);
        if (surest(again) > surest(results)) {
          results = again;
          offset = padded.offset;
        }
      }
      return results.map((r) => toDetectedFace(r, image, offset, attributes));
    },
  };
}

/** The image inside a mid-grey border; `offset` is where the original's top-left now is. */
export function pad(image: RgbImage, fraction: number): { image: RgbImage; offset: Point } {
  const dx = Math.round(image.width * fraction);
  const dy = Math.round(image.height * fraction);
  const width = image.width + 2 * dx;
  const height = image.height + 2 * dy;
  const data = new Uint8Array(width * height * 3).fill(128);
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + dy) * width + dx) * 3);
  return { image: { width, height, data }, offset: { x: dx, y: dy } };
}

const mean = (points: Point[]): Point => ({
  x: points.reduce((s, p) => s + p.x, 0) / points.length,
  y: points.reduce((s, p) => s + p.y, 0) / points.length,
});
const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Rekognition's 30 landmark types from the 68 points (the iBUG 300-W layout: jaw 0-16, brows
 * 17-26, nose 27-35, eyes 36-47, mouth 48-67). As in the fixtures, "left" is the image's left:
 * eyeLeft is the eye with the smaller X.
 */
export function rekognitionLandmarks(p: Point[]): Record<"eyeLeft" | "eyeRight" | "nose" | "mouthLeft" | "mouthRight", Point> & Record<string, Point> {
  const eyeLeft = mean(p.slice(36, 42));
  const eyeRight = mean(p.slice(42, 48));
  return {
    eyeLeft,
    eyeRight,
    nose: p[30]!,
    mouthLeft: p[48]!,
    mouthRight: p[54]!,
    leftEyeBrowLeft: p[17]!,
    leftEyeBrowRight: p[21]!,
    leftEyeBrowUp: p[19]!,
    rightEyeBrowLeft: p[22]!,
    rightEyeBrowRight: p[26]!,
    rightEyeBrowUp: p[24]!,
    leftEyeLeft: p[36]!,
    leftEyeRight: p[39]!,
    leftEyeUp: mid(p[37]!, p[38]!),
    leftEyeDown: mid(p[40]!, p[41]!),
    rightEyeLeft: p[42]!,
    rightEyeRight: p[45]!,
    rightEyeUp: mid(p[43]!, p[44]!),
    rightEyeDown: mid(p[46]!, p[47]!),
    noseLeft: p[31]!,
    noseRight: p[35]!,
    mouthUp: p[51]!,
    mouthDown: p[57]!,
    leftPupil: eyeLeft,
    rightPupil: eyeRight,
    upperJawlineLeft: p[0]!,
    midJawlineLeft: p[4]!,
    chinBottom: p[8]!,
    midJawlineRight: p[12]!,
    upperJawlineRight: p[16]!,
  };
}

/**
 * Pose from the landmarks, in degrees, with the fixtures' signs:
 * - Roll: the tilt of the line between the eyes (positive: the right eye lower, clockwise);
 * - Yaw: where the nose tip lies between the jaw's two sides, after undoing the roll:
 *   asin(2r − 1) for r = 0..1 from the left side (positive: the nose towards the image's right);
 * - Pitch: where the nose tip lies between the eye line and the mouth, against 0.5 for a
 *   level face: asin of twice the difference (positive: the face tilted up, the nose nearer the eyes).
 * A geometric estimate from a flat picture, good to some degrees; AWS does not say how it
 * measures its own.
 */
export function poseFrom(p: Point[]): { Roll: number; Yaw: number; Pitch: number } {
  const l = rekognitionLandmarks(p);
  const roll = Math.atan2(l.eyeRight.y - l.eyeLeft.y, l.eyeRight.x - l.eyeLeft.x);
  const c = Math.cos(-roll);
  const s = Math.sin(-roll);
  const un = (q: Point): Point => ({ x: q.x * c - q.y * s, y: q.x * s + q.y * c });
  const nose = un(l.nose);
  const jawL = un(p[1]!);
  const jawR = un(p[15]!);
  const eyes = un(mid(l.eyeLeft, l.eyeRight));
  const mouth = un(mid(l.mouthLeft, l.mouthRight));
  const clamp = (v: number) => Math.max(-1, Math.min(1, v));
  const r = (nose.x - jawL.x) / Math.max(1e-6, jawR.x - jawL.x);
  const v = (nose.y - eyes.y) / Math.max(1e-6, mouth.y - eyes.y);
  const deg = (x: number) => (x * 180) / Math.PI;
  return {
    Roll: round(deg(roll), 4),
    Yaw: round(deg(Math.asin(clamp(2 * r - 1))), 4),
    Pitch: round(deg(Math.asin(clamp(2 * (0.55 - v)))), 4),
  };
}

/** Eye aspect ratio (height over width of the eye's six points): about 0.3 open, under 0.18 closed. */
function eyeAspect(p: Point[], from: number): number {
  const e = p.slice(from, from + 6);
  return (dist(e[1]!, e[5]!) + dist(e[2]!, e[4]!)) / (2 * Math.max(1e-6, dist(e[0]!, e[3]!)));
}

/** face-api's expressions as Rekognition's emotion types; it has no CONFUSED. */
const EMOTIONS: Record<string, string> = {
  neutral: "CALM",
  happy: "HAPPY",
  sad: "SAD",
  angry: "ANGRY",
  fearful: "FEAR",
  disgusted: "DISGUSTED",
  surprised: "SURPRISED",
};

function toDetectedFace(r: FaceResult, image: RgbImage, offset: Point, attributes: boolean): DetectedFace {
  const { width: W, height: H } = image;
  const points = r.landmarks.positions.map((q) => ({ x: q.x - offset.x, y: q.y - offset.y }));
  const x0 = Math.max(0, r.detection.box.x - offset.x);
  const y0 = Math.max(0, r.detection.box.y - offset.y);
  const x1 = Math.min(W, r.detection.box.x - offset.x + r.detection.box.width);
  const y1 = Math.min(H, r.detection.box.y - offset.y + r.detection.box.height);
  const box: PixelBox = { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  const landmarks: Landmark[] = Object.entries(rekognitionLandmarks(points)).map(([Type, q]) => ({
    Type,
    X: round(q.x / W, 6),
    Y: round(q.y / H, 6),
  }));
  const face: DetectedFace = {
    boundingBox: { Width: round(box.width / W, 6), Height: round(box.height / H, 6), Left: round(box.x / W, 6), Top: round(box.y / H, 6) },
    confidence: round(r.detection.score * 100, 4),
    landmarks,
    pose: poseFrom(points),
    quality: faceQuality(image, box),
    embedding: Array.from(r.descriptor, (v) => Math.fround(v)),
  };
  if (attributes) face.attributes = attributesOf(r, points);
  return face;
}

/**
 * Attributes the nets give: AgeRange (the age estimate ± 5 years, as a range like AWS's),
 * Gender, Emotions (seven of AWS's eight: no CONFUSED), Smile (the "happy" expression),
 * EyesOpen (the eyes' aspect ratio) and MouthOpen (the lips' gap against the mouth's width).
 * Not given, since no net here says them: Eyeglasses, Sunglasses, Beard, Mustache,
 * FaceOccluded, EyeDirection.
 */
function attributesOf(r: FaceResult, p: Point[]): NonNullable<DetectedFace["attributes"]> {
  const out: NonNullable<DetectedFace["attributes"]> = {};
  if (r.age !== undefined) out.ageRange = { Low: Math.max(0, Math.floor(r.age - 5)), High: Math.ceil(r.age + 5) };
  if (r.gender && r.genderProbability !== undefined) {
    out.gender = { Value: r.gender === "male" ? "Male" : "Female", Confidence: round(r.genderProbability * 100, 4) };
  }
  if (r.expressions) {
    out.emotions = Object.entries(r.expressions)
      .filter(([name]) => EMOTIONS[name])
      .map(([name, v]) => ({ Type: EMOTIONS[name]!, Confidence: round(v * 100, 4) }))
      .sort((a, b) => b.Confidence - a.Confidence);
    const happy = r.expressions.happy ?? 0;
    out.smile = { Value: happy >= 0.5, Confidence: round(Math.max(happy, 1 - happy) * 100, 4) };
  }
  const ear = (eyeAspect(p, 36) + eyeAspect(p, 42)) / 2;
  out.eyesOpen = { Value: ear >= 0.18, Confidence: round(Math.min(99.9, 50 + Math.abs(ear - 0.18) * 400), 4) };
  const gap = dist(p[62]!, p[66]!) / Math.max(1e-6, dist(p[48]!, p[54]!));
  out.mouthOpen = { Value: gap >= 0.08, Confidence: round(Math.min(99.9, 50 + Math.abs(gap - 0.08) * 500), 4) };
  return out;
}
