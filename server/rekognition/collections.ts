import { ScopedStores, type Scope } from "../core/scope.js";
import {
  LEGACY_FACE_SPACE,
  type CollectionInfo,
  type FaceMatchResult,
  type NewFace,
  type RekognitionStore,
  type SimilarityFn,
  type StoredFace,
} from "./store.js";

/**
 * Face collections as an action sees them: the collections of one account and region
 * (`collections.of(ctx)`), over the stack's one RekognitionStore, which keys each collection by
 * account, region and id and keeps one journal. Collections are regional on AWS: a client of
 * another region sees none of these.
 */
export type Collections = ScopedStores<RegionCollections>;

export function collectionsOf(store: RekognitionStore): Collections {
  return new ScopedStores((scope) => new RegionCollections(store, scope));
}

export function collectionArn(scope: Scope, collectionId: string): string {
  return `arn:aws:rekognition:${scope.region}:${scope.accountId}:collection/${collectionId}`;
}

/** One account and region's collections. */
export class RegionCollections {
  constructor(
    private readonly store: RekognitionStore,
    readonly scope: Scope,
  ) {}

  get(collectionId: string): CollectionInfo | undefined {
    return this.store.getCollection(this.scope.accountId, this.scope.region, collectionId);
  }

  /** Undefined when a collection of that id already exists here. */
  create(collectionId: string, createdAt: number, tags: Record<string, string>): CollectionInfo | undefined {
    return this.store.createCollection(this.scope.accountId, this.scope.region, collectionId, createdAt, tags);
  }

  /** False when there was no such collection. */
  delete(collectionId: string): boolean {
    return this.store.deleteCollection(this.scope.accountId, this.scope.region, collectionId);
  }

  /** In creation order. */
  list(): CollectionInfo[] {
    return this.store.listCollections(this.scope.accountId, this.scope.region);
  }

  /** The faces of a collection that exists (actions check `get` first: the store throws otherwise). */
  collection(collectionId: string): CollectionFaces {
    return new CollectionFaces(this.store, this.scope, collectionId);
  }
}

/** The faces of one collection. */
export class CollectionFaces {
  constructor(
    private readonly store: RekognitionStore,
    private readonly scope: Scope,
    readonly collectionId: string,
  ) {}

  count(): number {
    return this.store.faceCount(this.scope.accountId, this.scope.region, this.collectionId);
  }

  /** Faces already indexed from this image with this ExternalImageId. */
  ofImage(imageId: string, externalImageId: string | undefined): StoredFace[] {
    return this.store.facesOfImage(this.scope.accountId, this.scope.region, this.collectionId, imageId, externalImageId);
  }

  add(faces: NewFace[]): void {
    this.store.addFaces(this.scope.accountId, this.scope.region, this.collectionId, faces);
  }

  /** The ids of the faces that were there and are deleted. */
  delete(faceIds: string[]): string[] {
    return this.store.deleteFaces(this.scope.accountId, this.scope.region, this.collectionId, faceIds);
  }

  face(faceId: string): StoredFace | undefined {
    return this.store.getFace(this.scope.accountId, this.scope.region, this.collectionId, faceId);
  }

  embedding(faceId: string): Float32Array | undefined {
    return this.store.getEmbedding(this.scope.accountId, this.scope.region, this.collectionId, faceId);
  }

  /** ListFaces' page after `afterFaceId`, in FaceId order. */
  list(afterFaceId: string | undefined, limit: number, only?: ReadonlySet<string>): { faces: StoredFace[]; more: boolean } {
    return this.store.listFaces(this.scope.accountId, this.scope.region, this.collectionId, afterFaceId, limit, only);
  }

  /** Faces like `query` (an embedding of `space`), best first. */
  search(query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, excludeFaceId?: string, space: string = LEGACY_FACE_SPACE): FaceMatchResult[] {
    return this.store.search(this.scope.accountId, this.scope.region, this.collectionId, query, similarity, threshold, limit, excludeFaceId, space);
  }
}
