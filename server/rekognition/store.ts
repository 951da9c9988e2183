import type { BoundingBox } from "../faces/engine.js";
import type { Journal, Persistence } from "../core/persistence.js";
import type { Logger } from "../core/logger.js";

/**
 * Rekognition's state: face collections and the faces indexed into them. No HTTP here.
 *
 * Collections are scoped by account and region, as on AWS. Each collection keeps its face
 * embeddings in one contiguous Float32Array (one row per face), so a search is a tight loop
 * over memory, not a walk over objects: 100k faces of 128 floats are 51 MB and scan in tens
 * of milliseconds.
 *
 * Every change is appended to the "rekognition" journal (one JSON line per change; embeddings
 * as base64 of their float32 bytes), never rewritten whole on a write. On start the journal is
 * replayed; when it holds much more than the live state (after many deletions) it is compacted
 * once, atomically.
 */

/** The face model version of every collection rekognito creates (AWS's latest). */
export const FACE_MODEL_VERSION = "7.0";

export interface StoredFace {
  faceId: string;
  imageId: string;
  externalImageId?: string;
  boundingBox: BoundingBox;
  confidence: number;
  indexFacesModelVersion: string;
  /**
   * The embedding space of the engine that found the face ("fixture", "model"): a face is
   * only ever compared with faces of its own space (similarity 0 across spaces). Absent:
   * LEGACY_FACE_SPACE.
   */
  space?: string;
}

export interface CollectionInfo {
  accountId: string;
  region: string;
  collectionId: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  faceModelVersion: string;
  /** Creation order within the stack; ListCollections lists in this order. */
  seq: number;
  tags: Record<string, string>;
}

export interface FaceMatchResult {
  face: StoredFace;
  similarity: number;
}

export type SimilarityFn = (a: ArrayLike<number>, b: ArrayLike<number>) => number;

type JournalRecord =
  | { t: "collection"; a: string; r: string; id: string; at: number; seq: number; v: string; tags?: Record<string, string> }
  | { t: "drop"; a: string; r: string; id: string }
  | { t: "faces"; a: string; r: string; id: string; faces: JournalFace[] }
  | { t: "unfaces"; a: string; r: string; id: string; ids: string[] };

interface JournalFace {
  i: string;
  m: string;
  x?: string;
  /** Width, Height, Left, Top. */
  b: [number, number, number, number];
  c: number;
  v: string;
  /** Embedding: float32 little-endian bytes, base64. */
  e: string;
  /** The face's embedding space; absent in journals written before there was a model engine: "fixture". */
  s?: string;
}

/** The space of faces journalled without one: they all came from the fixture engine. */
export const LEGACY_FACE_SPACE = "fixture";

function encodeEmbedding(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

function decodeEmbedding(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** The faces of one collection: metadata per slot and embeddings in one contiguous array. */
class FaceIndex {
  private dim = 0;
  private vectors = new Float32Array(0);
  private readonly faces: StoredFace[] = [];
  private readonly slotOf = new Map<string, number>();
  private sortedIds: string[] | null = null;

  get size(): number {
    return this.faces.length;
  }

  dimension(): number {
    return this.dim;
  }

  has(faceId: string): boolean {
    return this.slotOf.has(faceId);
  }

  get(faceId: string): StoredFace | undefined {
    const slot = this.slotOf.get(faceId);
    return slot === undefined ? undefined : this.faces[slot];
  }

  embedding(faceId: string): Float32Array | undefined {
    const slot = this.slotOf.get(faceId);
    if (slot === undefined) return undefined;
    return this.vectors.subarray(slot * this.dim, (slot + 1) * this.dim);
  }

  add(face: StoredFace, embedding: ArrayLike<number>): void {
    if (this.faces.length === 0 && this.dim === 0) this.dim = embedding.length;
    if (embedding.length !== this.dim) {
      throw new Error(`embedding of ${embedding.length} values in a collection of ${this.dim}-value embeddings`);
    }
    const slot = this.faces.length;
    const needed = (slot + 1) * this.dim;
    if (needed > this.vectors.length) {
      const grown = new Float32Array(Math.max(needed, this.vectors.length * 2, 64 * this.dim));
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(embedding, slot * this.dim);
    this.faces.push(face);
    this.slotOf.set(face.faceId, slot);
    this.sortedIds = null;
  }

  /** Removes a face by moving the last row into its slot. */
  remove(faceId: string): boolean {
    const slot = this.slotOf.get(faceId);
    if (slot === undefined) return false;
    const last = this.faces.length - 1;
    if (slot !== last) {
      const moved = this.faces[last]!;
      this.faces[slot] = moved;
      this.slotOf.set(moved.faceId, slot);
      this.vectors.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
    }
    this.faces.pop();
    this.slotOf.delete(faceId);
    this.sortedIds = null;
    return true;
  }

  /** Face ids in ascending order (ListFaces' order), cached until the next change. */
  idsInOrder(): string[] {
    if (!this.sortedIds) this.sortedIds = [...this.slotOf.keys()].sort();
    return this.sortedIds;
  }

  /**
   * Every face whose similarity to `query` is at least `threshold`, best first, at most
   * `limit`. Ties keep a stable order (by face id) so answers are reproducible. A face of
   * another space than the query's scores 0 without being compared: two engines' vectors
   * mean nothing to each other.
   */
  search(query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, exclude?: string, space: string = LEGACY_FACE_SPACE): FaceMatchResult[] {
    const hits: FaceMatchResult[] = [];
    if (this.dim === 0 || query.length !== this.dim) return hits;
    const n = this.faces.length;
    for (let slot = 0; slot < n; slot++) {
      const face = this.faces[slot]!;
      if (face.faceId === exclude) continue;
      const s = (face.space ?? LEGACY_FACE_SPACE) === space ? similarity(query, this.vectors.subarray(slot * this.dim, (slot + 1) * this.dim)) : 0;
      if (s >= threshold) hits.push({ face, similarity: s });
    }
    hits.sort((a, b) => b.similarity - a.similarity || (a.face.faceId < b.face.faceId ? -1 : 1));
    return hits.length > limit ? hits.slice(0, limit) : hits;
  }

  *entries(): IterableIterator<[StoredFace, Float32Array]> {
    for (let slot = 0; slot < this.faces.length; slot++) {
      yield [this.faces[slot]!, this.vectors.subarray(slot * this.dim, (slot + 1) * this.dim)];
    }
  }
}

interface CollectionState {
  info: CollectionInfo;
  faces: FaceIndex;
  /** Faces indexed from one image with one ExternalImageId: "imageId|externalImageId" → face ids. */
  byImage: Map<string, string[]>;
}

function imageKey(imageId: string, externalImageId: string | undefined): string {
  return `${imageId}|${externalImageId ?? ""}`;
}

export interface NewFace {
  face: StoredFace;
  embedding: ArrayLike<number>;
}

export class RekognitionStore {
  private readonly collections = new Map<string, CollectionState>();
  private readonly journal: Journal<JournalRecord>;
  private nextSeq = 1;

  constructor(persistence: Persistence, private readonly logger?: Logger) {
    this.journal = persistence.journal<JournalRecord>("rekognition");
    this.replay();
  }

  private static key(accountId: string, region: string, collectionId: string): string {
    return `${accountId}\u0000${region}\u0000${collectionId}`;
  }

  private replay(): void {
    let dead = 0;
    for (const record of this.journal.load()) {
      if (record.t === "drop") {
        const gone = this.collections.get(RekognitionStore.key(record.a, record.r, record.id));
        dead += 1 + (gone?.faces.size ?? 0);
      } else if (record.t === "unfaces") {
        dead += record.ids.length;
      }
      this.apply(record);
    }
    // Deleted faces and collections still take journal space: compact once they outweigh the live faces.
    if (dead > 1000 && dead > this.stats().faces) this.compact();
  }

  private apply(record: JournalRecord): void {
    const key = RekognitionStore.key(record.a, record.r, record.id);
    switch (record.t) {
      case "collection": {
        this.collections.set(key, {
          info: {
            accountId: record.a,
            region: record.r,
            collectionId: record.id,
            createdAt: record.at,
            faceModelVersion: record.v,
            seq: record.seq,
            tags: record.tags ?? {},
          },
          faces: new FaceIndex(),
          byImage: new Map(),
        });
        this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
        return;
      }
      case "drop":
        this.collections.delete(key);
        return;
      case "faces": {
        const state = this.collections.get(key);
        if (!state) return;
        for (const f of record.faces) {
          const face: StoredFace = {
            faceId: f.i,
            imageId: f.m,
            ...(f.x !== undefined ? { externalImageId: f.x } : {}),
            boundingBox: { Width: f.b[0], Height: f.b[1], Left: f.b[2], Top: f.b[3] },
            confidence: f.c,
            indexFacesModelVersion: f.v,
            space: f.s ?? LEGACY_FACE_SPACE,
          };
          this.insert(state, face, decodeEmbedding(f.e));
        }
        return;
      }
      case "unfaces": {
        const state = this.collections.get(key);
        if (!state) return;
        for (const id of record.ids) this.removeFace(state, id);
        return;
      }
    }
  }

  /** Rewrites the journal as the current state: one record per collection and per collection's faces. */
  compact(): void {
    const records: JournalRecord[] = [];
    for (const state of [...this.collections.values()].sort((a, b) => a.info.seq - b.info.seq)) {
      const { info } = state;
      records.push({ t: "collection", a: info.accountId, r: info.region, id: info.collectionId, at: info.createdAt, seq: info.seq, v: info.faceModelVersion, tags: info.tags });
      const faces: JournalFace[] = [];
      for (const [face, embedding] of state.faces.entries()) faces.push(toJournalFace(face, embedding));
      if (faces.length) records.push({ t: "faces", a: info.accountId, r: info.region, id: info.collectionId, faces });
    }
    this.journal.rewrite(records);
    this.logger?.info(`rekognition: compacted the journal to ${records.length} records`);
  }

  private insert(state: CollectionState, face: StoredFace, embedding: ArrayLike<number>): void {
    state.faces.add(face, embedding);
    const k = imageKey(face.imageId, face.externalImageId);
    const list = state.byImage.get(k);
    if (list) list.push(face.faceId);
    else state.byImage.set(k, [face.faceId]);
  }

  private removeFace(state: CollectionState, faceId: string): boolean {
    const face = state.faces.get(faceId);
    if (!face) return false;
    state.faces.remove(faceId);
    const k = imageKey(face.imageId, face.externalImageId);
    const list = state.byImage.get(k);
    if (list) {
      const rest = list.filter((id) => id !== faceId);
      if (rest.length) state.byImage.set(k, rest);
      else state.byImage.delete(k);
    }
    return true;
  }

  private state(accountId: string, region: string, collectionId: string): CollectionState | undefined {
    return this.collections.get(RekognitionStore.key(accountId, region, collectionId));
  }

  // --- collections ---

  getCollection(accountId: string, region: string, collectionId: string): CollectionInfo | undefined {
    return this.state(accountId, region, collectionId)?.info;
  }

  /** Creates a collection; undefined when one of that id already exists in the account and region. */
  createCollection(accountId: string, region: string, collectionId: string, createdAt: number, tags: Record<string, string> = {}): CollectionInfo | undefined {
    if (this.state(accountId, region, collectionId)) return undefined;
    const record: JournalRecord = { t: "collection", a: accountId, r: region, id: collectionId, at: createdAt, seq: this.nextSeq, v: FACE_MODEL_VERSION, tags };
    this.journal.append(record);
    this.apply(record);
    return this.getCollection(accountId, region, collectionId);
  }

  /** Deletes a collection and its faces; false when it does not exist. */
  deleteCollection(accountId: string, region: string, collectionId: string): boolean {
    if (!this.state(accountId, region, collectionId)) return false;
    const record: JournalRecord = { t: "drop", a: accountId, r: region, id: collectionId };
    this.journal.append(record);
    this.apply(record);
    return true;
  }

  /** The account's collections in the region, in creation order. */
  listCollections(accountId: string, region: string): CollectionInfo[] {
    const out: CollectionInfo[] = [];
    for (const state of this.collections.values()) {
      if (state.info.accountId === accountId && state.info.region === region) out.push(state.info);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  faceCount(accountId: string, region: string, collectionId: string): number {
    return this.state(accountId, region, collectionId)?.faces.size ?? 0;
  }

  // --- faces (the collection must exist; callers check it first) ---

  private required(accountId: string, region: string, collectionId: string): CollectionState {
    const state = this.state(accountId, region, collectionId);
    if (!state) throw new Error(`collection ${collectionId} does not exist`);
    return state;
  }

  /** Faces already indexed from this image with this ExternalImageId (for de-duplication). */
  facesOfImage(accountId: string, region: string, collectionId: string, imageId: string, externalImageId: string | undefined): StoredFace[] {
    const state = this.required(accountId, region, collectionId);
    const ids = state.byImage.get(imageKey(imageId, externalImageId)) ?? [];
    return ids.map((id) => state.faces.get(id)!).filter(Boolean);
  }

  /** Adds faces in one journal record (one append per IndexFaces call). */
  addFaces(accountId: string, region: string, collectionId: string, faces: NewFace[]): void {
    if (!faces.length) return;
    const state = this.required(accountId, region, collectionId);
    const embeddings = faces.map((f) => Float32Array.from(f.embedding));
    const dim = state.faces.dimension();
    for (const e of embeddings) {
      if (dim && e.length !== dim) throw new Error(`embedding of ${e.length} values in a collection of ${dim}-value embeddings`);
    }
    this.journal.append({
      t: "faces",
      a: accountId,
      r: region,
      id: collectionId,
      faces: faces.map((f, i) => toJournalFace(f.face, embeddings[i]!)),
    });
    faces.forEach((f, i) => this.insert(state, f.face, embeddings[i]!));
  }

  /** Deletes the faces that exist; returns their ids (in the order asked). */
  deleteFaces(accountId: string, region: string, collectionId: string, faceIds: string[]): string[] {
    const state = this.required(accountId, region, collectionId);
    const present = [...new Set(faceIds)].filter((id) => state.faces.has(id));
    if (!present.length) return [];
    this.journal.append({ t: "unfaces", a: accountId, r: region, id: collectionId, ids: present });
    for (const id of present) this.removeFace(state, id);
    return present;
  }

  getFace(accountId: string, region: string, collectionId: string, faceId: string): StoredFace | undefined {
    return this.required(accountId, region, collectionId).faces.get(faceId);
  }

  getEmbedding(accountId: string, region: string, collectionId: string, faceId: string): Float32Array | undefined {
    return this.required(accountId, region, collectionId).faces.embedding(faceId);
  }

  /**
   * ListFaces: faces in ascending FaceId order after `afterFaceId`, at most `limit`; `more`
   * says whether any follow.
   */
  listFaces(accountId: string, region: string, collectionId: string, afterFaceId: string | undefined, limit: number, only?: ReadonlySet<string>): { faces: StoredFace[]; more: boolean } {
    const state = this.required(accountId, region, collectionId);
    let ids = state.faces.idsInOrder();
    if (only) ids = ids.filter((id) => only.has(id));
    let start = 0;
    if (afterFaceId !== undefined) {
      // First id greater than afterFaceId (binary search; the face itself may be gone).
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ids[mid]! <= afterFaceId) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page = ids.slice(start, start + limit);
    return { faces: page.map((id) => state.faces.get(id)!), more: start + limit < ids.length };
  }

  /** Faces like `query` (an embedding of `space`), best first; see FaceIndex.search. */
  search(accountId: string, region: string, collectionId: string, query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, excludeFaceId?: string, space: string = LEGACY_FACE_SPACE): FaceMatchResult[] {
    return this.required(accountId, region, collectionId).faces.search(query, similarity, threshold, limit, excludeFaceId, space);
  }

  stats(): { collections: number; faces: number } {
    let faces = 0;
    for (const c of this.collections.values()) faces += c.faces.size;
    return { collections: this.collections.size, faces };
  }
}

function toJournalFace(face: StoredFace, embedding: Float32Array): JournalFace {
  const b = face.boundingBox;
  return {
    i: face.faceId,
    m: face.imageId,
    ...(face.externalImageId !== undefined ? { x: face.externalImageId } : {}),
    b: [b.Width, b.Height, b.Left, b.Top],
    c: face.confidence,
    v: face.indexFacesModelVersion,
    e: encodeEmbedding(embedding),
    ...(face.space !== undefined && face.space !== LEGACY_FACE_SPACE ? { s: face.space } : {}),
  };
}
