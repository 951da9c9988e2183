import { createHash } from "node:crypto";
import type { Image } from "@aws-sdk/client-rekognition";
import type { DetectedFace, FaceAnalysis, FaceEngine } from "../faces/engine.js";
import { sniffImage } from "../faces/image.js";
import type { Logger } from "../core/logger.js";
import type { ObjectReader } from "../storage/object-reader.js";
import { RekognitionErrors } from "./errors.js";

/** Image.Bytes: the model's limit (5 MB of raw bytes). */
export const MAX_IMAGE_BYTES = 5_242_880;
/** Image.S3Object: "Maximum image size stored as an Amazon S3 object is limited to 15 MB." */
export const MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024;
/** IndexFaces, DetectFaces and CompareFaces consider at most the 100 largest faces. */
export const MAX_DETECTED_FACES = 100;
/**
 * AWS's limits page gives 80 pixels as the minimum height and width of an image. A smaller
 * image is InvalidParameterException with the generic message (reported by users, e.g.
 * boto/botocore#1366, where an image under 80 pixels got "Request has Invalid Parameters").
 */
export const MIN_IMAGE_SIDE = 80;

/** An Image as it arrives on the wire: Bytes is base64 text. */
export type WireImage = Omit<Image, "Bytes"> & { Bytes?: string };

export interface LoadedImage {
  bytes: Buffer;
  /** Where it came from, for the log: "bytes" or s3://bucket/key. */
  source: string;
}

export interface AnalyzedImage extends LoadedImage {
  analysis: FaceAnalysis;
  /** The embedding space of the faces found (kept with each indexed face, compared only within it). */
  space: string;
  /**
   * Rekognition's ImageId: a name-based (version 5 layout) UUID of the image's content, so the
   * same bytes always get the same ImageId, as AWS's ImageIds (xxxxxxxx-xxxx-5xxx-...) do.
   */
  imageId: string;
}

/**
 * Reads an Image input: exactly one of Bytes (base64, 1..5242880 bytes) and S3Object (read
 * through the ObjectReader, at most 15 MB). `path` is the member's name in validation messages
 * ("image", "sourceImage", "targetImage").
 */
export async function loadImage(image: WireImage | undefined, path: string, objects: ObjectReader): Promise<LoadedImage> {
  const hasBytes = image?.Bytes !== undefined && image.Bytes !== null;
  const hasObject = image?.S3Object !== undefined && image.S3Object !== null;
  if (hasBytes === hasObject) throw RekognitionErrors.invalidParameters();
  if (hasBytes) {
    const bytes = Buffer.from(image!.Bytes!, "base64");
    if (bytes.length < 1 || bytes.length > MAX_IMAGE_BYTES) throw RekognitionErrors.imageBytesLength(`${path}.bytes`, bytes.length, MAX_IMAGE_BYTES);
    return { bytes, source: "bytes" };
  }
  const { Bucket, Name, Version } = image!.S3Object!;
  if (!Bucket || !Name) throw RekognitionErrors.invalidS3Object();
  const object = await objects.readObject(Bucket, Name, Version);
  if (!object) throw RekognitionErrors.invalidS3Object();
  if (object.body.length > MAX_S3_IMAGE_BYTES) throw RekognitionErrors.imageTooLarge();
  return { bytes: object.body, source: `s3://${Bucket}/${Name}${Version ? `?versionId=${Version}` : ""}` };
}

export function imageIdOf(bytes: Buffer): string {
  const h = createHash("sha1").update(bytes).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * Loads the image, checks that it is a whole JPEG or PNG, and asks the engine for its faces.
 * An image the engine does not recognise has no faces; the log says so plainly, so that a
 * developer who sends a real photo to the fixture engine learns why nothing matched.
 */
export async function analyzeImage(
  image: WireImage | undefined,
  path: string,
  deps: { engine: FaceEngine; objects: ObjectReader; logger: Logger },
  action: string,
  options: { attributes?: boolean } = {},
): Promise<AnalyzedImage> {
  const loaded = await loadImage(image, path, deps.objects);
  const info = sniffImage(loaded.bytes);
  if (!info) throw RekognitionErrors.invalidImageFormat();
  if (info.width < MIN_IMAGE_SIDE || info.height < MIN_IMAGE_SIDE) throw RekognitionErrors.invalidParameters();
  const analysis = await deps.engine.analyze(loaded.bytes, info, options);
  if (analysis.undecodable) {
    deps.logger.warn(`rekognition ${action}: ${path} (${loaded.source}) is not a valid ${info.format}: ${analysis.note ?? "its pixels do not decode"}`);
    throw RekognitionErrors.invalidImageFormat();
  }
  const imageId = imageIdOf(loaded.bytes);
  const what = () => {
    const sha = createHash("sha256").update(loaded.bytes).digest("hex");
    return `${path} (${loaded.source}, ${info.format} ${info.width}x${info.height}, sha256 ${sha.slice(0, 16)})`;
  };
  if (!analysis.recognised) {
    deps.logger.warn(
      `rekognition ${action}: the ${deps.engine.name} engine does not recognise ${what()}${analysis.note ? `: ${analysis.note}` : ""}: answering as if it held no face`,
    );
  } else if (analysis.note) {
    deps.logger.info(`rekognition ${action}: ${what()}: ${analysis.note}`);
  }
  return { ...loaded, analysis, imageId, space: analysis.space ?? deps.engine.name };
}

/** The similarity function of one embedding space, as the store's search takes it. */
export function similarityIn(engine: FaceEngine, space: string) {
  return (a: ArrayLike<number>, b: ArrayLike<number>) => engine.similarity(a, b, space);
}

export function boxArea(face: DetectedFace): number {
  return face.boundingBox.Width * face.boundingBox.Height;
}

/** Faces largest first (ties: top-left first), at most the 100 largest, as Rekognition considers them. */
export function largestFirst(faces: DetectedFace[]): DetectedFace[] {
  return [...faces]
    .sort((a, b) => boxArea(b) - boxArea(a) || a.boundingBox.Top - b.boundingBox.Top || a.boundingBox.Left - b.boundingBox.Left)
    .slice(0, MAX_DETECTED_FACES);
}
