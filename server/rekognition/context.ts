import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import type { FaceEngine } from "../faces/engine.js";
import type { ObjectReader } from "../storage/types.js";
import type { RekognitionStore } from "./store.js";

/** What Rekognition's actions are built from; each action takes the slice it needs. */
export interface RekognitionServices {
  store: RekognitionStore;
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
/** IndexFaces indexes at most the 100 largest faces, whatever MaxFaces says. */
export const INDEX_FACES_LIMIT = 100;
/** ListFaces and ListCollections page size when MaxResults is absent (AWS does not document it). */
export const DEFAULT_PAGE_SIZE = 1000;

export function collectionArn(region: string, accountId: string, collectionId: string): string {
  return `arn:aws:rekognition:${region}:${accountId}:collection/${collectionId}`;
}
