import { endianness } from "node:os";
import type { BoundingBox } from "../faces/engine.js";
import type { Journal, JournalRecord, Persistence } from "../core/persistence.js";
import type { Logger } from "../core/logger.js";
import type { KernelKind } from "./kernel.js";
import { FaceVectors, MIN_POSITIVE_SIMILARITY, metricOfSpace, type SimilarityFn } from "./search.js";

/**
 * Rekognition's state: face collections and the faces indexed into them. No HTTP here.
 *
 * Collections are scoped by account and region, as on AWS. A collection keeps its faces by
 * embedding space (the engine that found them), each space's embeddings in blocks of float32
 * rows beside the int8 codes its searches scan (search.ts, kernel.ts): a search is exact and
 * reads 128 bytes a face, not an object per face.
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

export type { SimilarityFn };

/** A change to Rekognition's state as the `rekognition` journal keeps it (server/core/persistence.ts: one shape for every journal). */
type RekognitionChange = JournalRecord &
  (
    | { op: "create-collection"; accountId: string; region: string; collectionId: string; createdAt: number; seq: number; faceModelVersion: string; tags?: Record<string, string> }
    | { op: "delete-collection"; accountId: string; region: string; collectionId: string }
    /** One record per IndexFaces call (or per collection, compacted). */
    | { op: "add-faces"; accountId: string; region: string; collectionId: string; faces: JournalFace[] }
    | { op: "delete-faces"; accountId: string; region: string; collectionId: string; faceIds: string[] }
  );

/** A face as journalled: the StoredFace beside its embedding. */
interface JournalFace extends StoredFace {
  /** Float32 little-endian bytes, base64 (a quarter of the size of its numbers written out). */
  embedding: string;
}

/** The records of data directories written before the one shape (`t`, one-letter keys). */
type LegacyChange =
  | { t: "collection"; a: string; r: string; id: string; at: number; seq: number; v: string; tags?: Record<string, string> }
  | { t: "drop"; a: string; r: string; id: string }
  | { t: "faces"; a: string; r: string; id: string; faces: LegacyFace[] }
  | { t: "unfaces"; a: string; r: string; id: string; ids: string[] };

interface LegacyFace {
  i: string;
  m: string;
  x?: string;
  /** Width, Height, Left, Top. */
  b: [number, number, number, number];
  c: number;
  v: string;
  e: string;
  /** Absent in journals written before there was a model engine: "fixture". */
  s?: string;
}

/** A record as read from the journal, in today's shape; undefined for one no version wrote. */
function readRekognitionChange(record: RekognitionChange | LegacyChange): RekognitionChange | undefined {
  if ("op" in record) return record;
  const scope = { accountId: record.a, region: record.r, collectionId: record.id };
  switch (record.t) {
    case "collection":
      return { op: "create-collection", ...scope, createdAt: record.at, seq: record.seq, faceModelVersion: record.v, ...(record.tags ? { tags: record.tags } : {}) };
    case "drop":
      return { op: "delete-collection", ...scope };
    case "faces":
      return {
        op: "add-faces",
        ...scope,
        faces: record.faces.map((f) => ({
          faceId: f.i,
          imageId: f.m,
          ...(f.x !== undefined ? { externalImageId: f.x } : {}),
          boundingBox: { Width: f.b[0], Height: f.b[1], Left: f.b[2], Top: f.b[3] },
          confidence: f.c,
          indexFacesModelVersion: f.v,
          space: f.s ?? LEGACY_FACE_SPACE,
          embedding: f.e,
        })),
      };
    case "unfaces":
      return { op: "delete-faces", ...scope, faceIds: record.ids };
    default:
      return undefined;
  }
}

/** The space of faces journalled without one: they all came from the fixture engine. */
export const LEGACY_FACE_SPACE = "fixture";

function encodeEmbedding(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

const LITTLE_ENDIAN = endianness() === "LE";

function decodeEmbedding(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  const out = new Float32Array(bytes.length >> 2);
  // The journal holds float32 little-endian: on such a machine (all that Node runs on in practice) a copy.
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export interface StoreOptions {
  /** The search kernel: WebAssembly SIMD (default, where available) or JavaScript (tests compare the two). */
  kernel?: KernelKind;
}

/** The faces of one embedding space in one collection: metadata by slot beside their vectors. */
class SpaceFaces {
  readonly faces: StoredFace[] = [];
  readonly slotOf = new Map<string, number>();
  constructor(
    readonly space: string,
    readonly vectors: FaceVectors,
  ) {}
}

/**
 * The faces of one collection, kept apart by embedding space (a space's faces are only ever
 * compared with each other), with the FaceIds in order for ListFaces.
 */
class FaceIndex {
  private readonly spaces = new Map<string, SpaceFaces>();
  private count = 0;
  /** Ascending FaceIds; built on the first ListFaces, then kept up to date (null: build again). */
  private sortedIds: string[] | null = null;

  constructor(private readonly kernel: KernelKind | undefined) {}

  get size(): number {
    return this.count;
  }

  /** The dimension of a space's embeddings, 0 before its first face. */
  dimension(space: string): number {
    return this.spaces.get(space)?.vectors.dimension ?? 0;
  }

  private find(faceId: string): { part: SpaceFaces; slot: number } | undefined {
    for (const part of this.spaces.values()) {
      const slot = part.slotOf.get(faceId);
      if (slot !== undefined) return { part, slot };
    }
    return undefined;
  }

  has(faceId: string): boolean {
    return this.find(faceId) !== undefined;
  }

  get(faceId: string): StoredFace | undefined {
    const at = this.find(faceId);
    return at?.part.faces[at.slot];
  }

  embedding(faceId: string): Float32Array | undefined {
    const at = this.find(faceId);
    return at?.part.vectors.row(at.slot);
  }

  add(face: StoredFace, embedding: ArrayLike<number>, keepOrder: boolean): void {
    const space = face.space ?? LEGACY_FACE_SPACE;
    let part = this.spaces.get(space);
    if (!part) {
      part = new SpaceFaces(space, new FaceVectors(embedding.length, metricOfSpace(space), this.kernel));
      this.spaces.set(space, part);
    }
    const slot = part.vectors.add(embedding);
    part.faces.push(face);
    part.slotOf.set(face.faceId, slot);
    this.count++;
    if (this.sortedIds) {
      if (keepOrder) this.sortedIds.splice(lowerBound(this.sortedIds, face.faceId), 0, face.faceId);
      else this.sortedIds = null;
    }
  }

  /** Removes a face by moving its space's last row into its slot. */
  remove(faceId: string): boolean {
    const at = this.find(faceId);
    if (!at) return false;
    const { part, slot } = at;
    const last = part.faces.length - 1;
    if (slot !== last) {
      const moved = part.faces[last]!;
      part.faces[slot] = moved;
      part.slotOf.set(moved.faceId, slot);
    }
    part.vectors.removeSwap(slot);
    part.faces.pop();
    part.slotOf.delete(faceId);
    this.count--;
    if (this.sortedIds) {
      const i = lowerBound(this.sortedIds, faceId);
      if (this.sortedIds[i] === faceId) this.sortedIds.splice(i, 1);
    }
    return true;
  }

  /** Face ids in ascending order (ListFaces' order). */
  idsInOrder(): string[] {
    if (!this.sortedIds) {
      const ids: string[] = [];
      for (const part of this.spaces.values()) ids.push(...part.slotOf.keys());
      this.sortedIds = ids.sort();
    }
    return this.sortedIds;
  }

  /**
   * Every face whose similarity to `query` (an embedding of `space`) is at least `threshold`,
   * best first, at most `limit`; ties by FaceId, so answers are reproducible. A face of another
   * space scores 0 without being compared: two engines' vectors mean nothing to each other
   * (at FaceMatchThreshold 0 such faces are still matches, with Similarity 0, after the rest).
   *
   * The answer is exactly that of computing `similarity` against every face (fullScan), found
   * by search.ts's two passes over the space's faces where the space has a mapping.
   */
  search(query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, exclude: string | undefined, space: string): FaceMatchResult[] {
    const part = this.spaces.get(space);
    if (part && query.length !== part.vectors.dimension) return [];
    const excludeSlot = exclude === undefined ? -1 : (part?.slotOf.get(exclude) ?? -1);
    const idOf = (slot: number) => part!.faces[slot]!.faceId;
    // Above 0, only faces of the query's space can match.
    const positive = Math.max(threshold, MIN_POSITIVE_SIMILARITY);
    const found = part ? part.vectors.search(query, similarity, positive, limit, excludeSlot, idOf) : [];
    if (!found) return this.fullScan(query, similarity, threshold, limit, exclude, space);
    const hits: FaceMatchResult[] = found.map((h) => ({ face: part!.faces[h.slot]!, similarity: h.similarity }));
    if (threshold > 0 || hits.length >= limit) return hits;
    // At 0 every other face matches too, with similarity 0, in FaceId order.
    const taken = new Set(hits.map((h) => h.face.faceId));
    for (const id of this.idsInOrder()) {
      if (hits.length >= limit) break;
      if (id === exclude || taken.has(id)) continue;
      hits.push({ face: this.get(id)!, similarity: 0 });
    }
    return hits;
  }

  /** The plain way, for spaces search.ts has no mapping for: the similarity against every face. */
  private fullScan(query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, exclude: string | undefined, space: string): FaceMatchResult[] {
    const hits: FaceMatchResult[] = [];
    for (const part of this.spaces.values()) {
      const same = part.space === space;
      for (let slot = 0; slot < part.faces.length; slot++) {
        const face = part.faces[slot]!;
        if (face.faceId === exclude) continue;
        const s = same ? similarity(query, part.vectors.row(slot)) : 0;
        if (s >= threshold) hits.push({ face, similarity: s });
      }
    }
    hits.sort((a, b) => b.similarity - a.similarity || (a.face.faceId < b.face.faceId ? -1 : 1));
    return hits.length > limit ? hits.slice(0, limit) : hits;
  }

  /** Which scan answers each space's searches (for health). */
  kernels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of this.spaces.values()) out[part.space] = part.vectors.kernel;
    return out;
  }

  *entries(): IterableIterator<[StoredFace, Float32Array]> {
    for (const part of this.spaces.values()) {
      for (let slot = 0; slot < part.faces.length; slot++) yield [part.faces[slot]!, part.vectors.row(slot)];
    }
  }
}

/** The first index whose id is not below `id`. */
function lowerBound(ids: string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface CollectionState {
  info: CollectionInfo;
  faces: FaceIndex;
  /** The faces indexed from one image (by ImageId, whatever their ExternalImageId): one id, or several. */
  byImage: Map<string, string | string[]>;
}

/**
 * A copy of a string in one piece. Ids made by concatenation (Node's randomUUID, a template
 * literal) are kept by V8 as trees of their pieces: a FaceId from randomUUID() held ~490 bytes
 * instead of ~70, which at a million faces was most of the collection's heap.
 */
function flat(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

/** The values many faces share ("7.0", "fixture"), one string each rather than one per face read from the journal. */
const shared = new Map<string, string>();
function intern(s: string): string {
  let v = shared.get(s);
  if (v === undefined) {
    v = flat(s);
    if (shared.size < 1000) shared.set(v, v);
  }
  return v;
}

/** The face as the store keeps it: its own object, its strings compact. */
function kept(face: StoredFace): StoredFace {
  const b = face.boundingBox;
  return {
    faceId: flat(face.faceId),
    imageId: flat(face.imageId),
    ...(face.externalImageId !== undefined ? { externalImageId: flat(face.externalImageId) } : {}),
    boundingBox: { Width: b.Width, Height: b.Height, Left: b.Left, Top: b.Top },
    confidence: face.confidence,
    indexFacesModelVersion: intern(face.indexFacesModelVersion),
    space: intern(face.space ?? LEGACY_FACE_SPACE),
  };
}

export interface NewFace {
  face: StoredFace;
  embedding: ArrayLike<number>;
}

export class RekognitionStore {
  private readonly collections = new Map<string, CollectionState>();
  private readonly journal: Journal<RekognitionChange | LegacyChange>;
  private nextSeq = 1;

  constructor(
    persistence: Persistence,
    private readonly logger?: Logger,
    private readonly options: StoreOptions = {},
  ) {
    this.journal = persistence.journal<RekognitionChange | LegacyChange>("rekognition");
    this.replay();
  }

  private static key(accountId: string, region: string, collectionId: string): string {
    return `${accountId}\u0000${region}\u0000${collectionId}`;
  }

  private replay(): void {
    let dead = 0;
    let legacy = false;
    for (const record of this.journal.load()) {
      const change = readRekognitionChange(record);
      if (!change) continue;
      legacy ||= change !== record;
      if (change.op === "delete-collection") {
        const gone = this.collections.get(RekognitionStore.key(change.accountId, change.region, change.collectionId));
        dead += 1 + (gone?.faces.size ?? 0);
      } else if (change.op === "delete-faces") {
        dead += change.faceIds.length;
      }
      this.apply(change);
    }
    // Deleted faces and collections still take journal space: compact once they outweigh the live
    // faces. A journal holding records of the old shape is rewritten in today's, once.
    if (legacy || (dead > 1000 && dead > this.stats().faces)) this.compact();
  }

  private apply(change: RekognitionChange): void {
    const key = RekognitionStore.key(change.accountId, change.region, change.collectionId);
    switch (change.op) {
      case "create-collection": {
        this.collections.set(key, {
          info: {
            accountId: change.accountId,
            region: change.region,
            collectionId: change.collectionId,
            createdAt: change.createdAt,
            faceModelVersion: change.faceModelVersion,
            seq: change.seq,
            tags: change.tags ?? {},
          },
          faces: new FaceIndex(this.options.kernel),
          byImage: new Map(),
        });
        this.nextSeq = Math.max(this.nextSeq, change.seq + 1);
        return;
      }
      case "delete-collection":
        this.collections.delete(key);
        return;
      case "add-faces": {
        const state = this.collections.get(key);
        if (!state) return;
        // insert() keeps its own copy of the face's fields, never the parsed record.
        for (const f of change.faces) this.insert(state, f, decodeEmbedding(f.embedding), change.faces.length <= 64);
        return;
      }
      case "delete-faces": {
        const state = this.collections.get(key);
        if (!state) return;
        for (const id of change.faceIds) this.removeFace(state, id);
        return;
      }
    }
  }

  /** Rewrites the journal as the current state: one record per collection and per collection's faces. */
  compact(): void {
    const records: RekognitionChange[] = [];
    for (const state of [...this.collections.values()].sort((a, b) => a.info.seq - b.info.seq)) {
      const { info } = state;
      const scope = { accountId: info.accountId, region: info.region, collectionId: info.collectionId };
      records.push({ op: "create-collection", ...scope, createdAt: info.createdAt, seq: info.seq, faceModelVersion: info.faceModelVersion, tags: info.tags });
      const faces: JournalFace[] = [];
      for (const [face, embedding] of state.faces.entries()) faces.push(toJournalFace(face, embedding));
      if (faces.length) records.push({ op: "add-faces", ...scope, faces });
    }
    this.journal.rewrite(records);
    this.logger?.info(`rekognition: compacted the journal to ${records.length} records`);
  }

  /** `keepOrder`: keep ListFaces' order up to date face by face (false for a large batch: sorted again when next asked). */
  private insert(state: CollectionState, face: StoredFace, embedding: ArrayLike<number>, keepOrder: boolean): void {
    const own = kept(face);
    state.faces.add(own, embedding, keepOrder);
    const ids = state.byImage.get(own.imageId);
    if (ids === undefined) state.byImage.set(own.imageId, own.faceId);
    else if (typeof ids === "string") state.byImage.set(own.imageId, [ids, own.faceId]);
    else ids.push(own.faceId);
  }

  private removeFace(state: CollectionState, faceId: string): boolean {
    const face = state.faces.get(faceId);
    if (!face) return false;
    state.faces.remove(faceId);
    const ids = state.byImage.get(face.imageId);
    const rest = typeof ids === "string" || ids === undefined ? [] : ids.filter((id) => id !== faceId);
    if (rest.length > 1) state.byImage.set(face.imageId, rest);
    else if (rest.length === 1) state.byImage.set(face.imageId, rest[0]!);
    else state.byImage.delete(face.imageId);
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
    const record: RekognitionChange = { op: "create-collection", accountId, region, collectionId, createdAt, seq: this.nextSeq, faceModelVersion: FACE_MODEL_VERSION, tags };
    this.journal.append(record);
    this.apply(record);
    return this.getCollection(accountId, region, collectionId);
  }

  /** Deletes a collection and its faces; false when it does not exist. */
  deleteCollection(accountId: string, region: string, collectionId: string): boolean {
    if (!this.state(accountId, region, collectionId)) return false;
    const record: RekognitionChange = { op: "delete-collection", accountId, region, collectionId };
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
    const ids = state.byImage.get(imageId) ?? [];
    return (typeof ids === "string" ? [ids] : ids).map((id) => state.faces.get(id)!).filter((f) => f && f.externalImageId === externalImageId);
  }

  /** Adds faces in one journal record (one append per IndexFaces call). */
  addFaces(accountId: string, region: string, collectionId: string, faces: NewFace[]): void {
    if (!faces.length) return;
    const state = this.required(accountId, region, collectionId);
    const embeddings = faces.map((f) => Float32Array.from(f.embedding));
    // Checked before journalling: within a space every embedding has its engine's dimension.
    const dims = new Map<string, number>();
    faces.forEach((f, i) => {
      const space = f.face.space ?? LEGACY_FACE_SPACE;
      const dim = dims.get(space) || state.faces.dimension(space) || embeddings[i]!.length;
      dims.set(space, dim);
      if (embeddings[i]!.length !== dim) throw new Error(`embedding of ${embeddings[i]!.length} values in a collection of ${dim}-value embeddings`);
    });
    this.journal.append({
      op: "add-faces",
      accountId,
      region,
      collectionId,
      faces: faces.map((f, i) => toJournalFace(f.face, embeddings[i]!)),
    });
    faces.forEach((f, i) => this.insert(state, f.face, embeddings[i]!, faces.length <= 64));
  }

  /** Deletes the faces that exist; returns their ids (in the order asked). */
  deleteFaces(accountId: string, region: string, collectionId: string, faceIds: string[]): string[] {
    const state = this.required(accountId, region, collectionId);
    const present = [...new Set(faceIds)].filter((id) => state.faces.has(id));
    if (!present.length) return [];
    this.journal.append({ op: "delete-faces", accountId, region, collectionId, faceIds: present });
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

  /** Which scan answers each space's searches ("wasm", "js", "full scan"), over all collections (for health). */
  searchKernels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of this.collections.values()) Object.assign(out, c.faces.kernels());
    return out;
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
    faceId: face.faceId,
    imageId: face.imageId,
    ...(face.externalImageId !== undefined ? { externalImageId: face.externalImageId } : {}),
    boundingBox: { Width: b.Width, Height: b.Height, Left: b.Left, Top: b.Top },
    confidence: face.confidence,
    indexFacesModelVersion: face.indexFacesModelVersion,
    space: face.space ?? LEGACY_FACE_SPACE,
    embedding: encodeEmbedding(embedding),
  };
}
