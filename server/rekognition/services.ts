import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import type { FaceEngine } from "../faces/engine.js";
import type { ObjectReader } from "../storage/object-reader.js";
import type { Collections } from "./collections.js";

/** What Rekognition's actions are built from; each action takes the slice it needs. */
export interface RekognitionServices {
  /** The collections of a request's account and region: `collections.of(ctx)`. */
  collections: Collections;
  engine: FaceEngine;
  objects: ObjectReader;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

/** Defaults AWS documents for the face operations. */
export const DEFAULT_FACE_MATCH_THRESHOLD = 80;
export const DEFAULT_SIMILARITY_THRESHOLD = 80;
export const DEFAULT_SEARCH_MAX_FACES = 80;
/** ListFaces and ListCollections page size when MaxResults is absent (AWS does not document it). */
export const DEFAULT_PAGE_SIZE = 1000;
