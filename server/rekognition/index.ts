import type { CoreServices, StackComponent } from "../core/services.js";
import type { FaceEngine } from "../faces/engine.js";
import type { ActionHandler, JsonService } from "../protocol/json.js";
import { loadModel } from "../protocol/model.js";
import type { ObjectReader } from "../storage/object-reader.js";
import { CompareFaces } from "./actions/CompareFaces.js";
import { CreateCollection } from "./actions/CreateCollection.js";
import { DeleteCollection } from "./actions/DeleteCollection.js";
import { DeleteFaces } from "./actions/DeleteFaces.js";
import { DescribeCollection } from "./actions/DescribeCollection.js";
import { DetectFaces } from "./actions/DetectFaces.js";
import { IndexFaces } from "./actions/IndexFaces.js";
import { ListCollections } from "./actions/ListCollections.js";
import { ListFaces } from "./actions/ListFaces.js";
import { SearchFaces } from "./actions/SearchFaces.js";
import { SearchFacesByImage } from "./actions/SearchFacesByImage.js";
import { collectionsOf } from "./collections.js";
import type { RekognitionServices } from "./services.js";
import { wasmKernelAvailable } from "./kernel.js";
import { RekognitionStore } from "./store.js";

export { RekognitionStore, FACE_MODEL_VERSION } from "./store.js";
export { RekognitionErrors } from "./errors.js";

/** The Rekognition actions rekognito implements; every other one answers NotImplementedException. */
export type RekognitionAction =
  | "CreateCollection"
  | "DeleteCollection"
  | "DescribeCollection"
  | "ListCollections"
  | "IndexFaces"
  | "ListFaces"
  | "DeleteFaces"
  | "SearchFaces"
  | "SearchFacesByImage"
  | "CompareFaces"
  | "DetectFaces";

export function rekognitionActions(services: RekognitionServices): Record<RekognitionAction, ActionHandler> {
  return {
    CreateCollection: CreateCollection(services),
    DeleteCollection: DeleteCollection(services),
    DescribeCollection: DescribeCollection(services),
    ListCollections: ListCollections(services),
    IndexFaces: IndexFaces(services),
    ListFaces: ListFaces(services),
    DeleteFaces: DeleteFaces(services),
    SearchFaces: SearchFaces(services),
    SearchFacesByImage: SearchFacesByImage(services),
    CompareFaces: CompareFaces(services),
    DetectFaces: DetectFaces(services),
  };
}

export interface RekognitionDeps {
  engine: FaceEngine;
  /** Where Image.S3Object is read from (the stack's S3). */
  objects: ObjectReader;
}

export type RekognitionService = JsonService & StackComponent & { store: RekognitionStore; engine: FaceEngine };

/**
 * Rekognition's face collection and face comparison API over a FaceEngine. State (collections
 * and their faces) lives in a journal in the data directory and survives restarts.
 */
export function createRekognition(core: CoreServices, deps: RekognitionDeps): RekognitionService {
  const store = new RekognitionStore(core.persistence, core.logger);
  const services: RekognitionServices = {
    collections: collectionsOf(store),
    engine: deps.engine,
    objects: deps.objects,
    clock: core.clock,
    ids: core.ids,
    logger: core.logger,
  };
  return {
    name: "rekognition",
    model: loadModel("rekognition"),
    // AWS answers model-constraint violations (pattern, length, range) with ValidationException,
    // e.g. "1 validation error detected: Value '...' at 'image.bytes' failed to satisfy constraint: ...".
    validationErrorType: "ValidationException",
    actions: rekognitionActions(services),
    store,
    engine: deps.engine,
    health: () => ({ ...store.stats(), search: wasmKernelAvailable() ? "WebAssembly SIMD" : "JavaScript (no WebAssembly SIMD here)", faceEngine: deps.engine.health() }),
    // The engine's analysis worker, if it started one.
    close: async () => {
      await deps.engine.close?.();
    },
  };
}
