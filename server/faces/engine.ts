/**
 * A FaceEngine turns image bytes into faces. Rekognition's actions never look at pixels
 * themselves: they ask the engine, then apply AWS's rules (thresholds, quality filters,
 * MaxFaces, shapes). The fixture engine (fixture-engine.ts) recognises the fixture images by
 * content hash and their near-copies; the model engine (model.ts, in a worker) recognises
 * real photographs; composed-engine.ts puts them together behind this same interface.
 *
 * Each engine's embeddings live in their own space (a fixture embedding is synthetic): an
 * analysis names the space of its faces, Rekognition keeps it with every stored face, and
 * faces of two spaces never match (similarity 0).
 */

/** Ratios of the image's width and height, as Rekognition gives them. */
export interface BoundingBox {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export interface Landmark {
  /** Rekognition's landmark type names: eyeLeft, eyeRight, nose, mouthLeft, mouthRight, ... */
  Type: string;
  X: number;
  Y: number;
}

export interface DetectedFace {
  boundingBox: BoundingBox;
  /** 0-100, how sure the engine is that this is a face. */
  confidence: number;
  landmarks: Landmark[];
  pose: { Roll: number; Yaw: number; Pitch: number };
  quality: { Brightness: number; Sharpness: number };
  /** Unit-length face descriptor; similarity is a function of the distance between two. */
  embedding: number[];
  /** Optional attributes for DetectFaces/IndexFaces with Attributes ALL. */
  attributes?: {
    ageRange?: { Low: number; High: number };
    smile?: { Value: boolean; Confidence: number };
    eyeglasses?: { Value: boolean; Confidence: number };
    sunglasses?: { Value: boolean; Confidence: number };
    gender?: { Value: "Male" | "Female"; Confidence: number };
    beard?: { Value: boolean; Confidence: number };
    mustache?: { Value: boolean; Confidence: number };
    eyesOpen?: { Value: boolean; Confidence: number };
    mouthOpen?: { Value: boolean; Confidence: number };
    emotions?: { Type: string; Confidence: number }[];
    faceOccluded?: { Value: boolean; Confidence: number };
    eyeDirection?: { Yaw: number; Pitch: number; Confidence: number };
  };
}

export interface ImageInfo {
  format: "jpeg" | "png";
  width: number;
  height: number;
}

export interface FaceAnalysis {
  image: ImageInfo;
  faces: DetectedFace[];
  /**
   * True when the engine recognised the image (the fixture engine: its hash is in the manifest).
   * An unknown image has no faces, and the answer says so honestly in the log.
   */
  recognised: boolean;
  /** The embedding space of these faces ("fixture", "model"); the engine's name when absent. */
  space?: string;
  /** Why the image was answered as it was (a near-copy's score, why nothing recognised it), for the log. */
  note?: string;
  /** Its structure looked whole but its pixels do not decode: Rekognition answers InvalidImageFormatException. */
  undecodable?: boolean;
}

export interface AnalyzeOptions {
  /** The caller will show attributes (Attributes: ALL): engines that compute them on demand do. */
  attributes?: boolean;
}

export interface FaceEngine {
  readonly name: string;
  /**
   * Finds the faces in an image. Throws InvalidImageFormatException (via the caller's error
   * mapping) only through `sniffImage`; the engine itself gets bytes already known to be
   * JPEG or PNG.
   */
  analyze(bytes: Buffer, image: ImageInfo, options?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Similarity 0-100 between two embeddings of one space (the engine's own when not given). */
  similarity(a: ArrayLike<number>, b: ArrayLike<number>, space?: string): number;
  /** Facts for /_rekognito/health. */
  health(): Record<string, unknown>;
  /** Start loading what the engine loads lazily (the model), in the background. */
  warm?(): void;
  /** Stop what the engine started (its worker). */
  close?(): Promise<void>;
}
