import { MODEL_KNEE_DISTANCE, SIMILARITY_COSINE_FLOOR, modelSimilarity, similarity as fixtureSimilarity } from "../faces/similarity.js";
import { BLOCK_ROWS, createKernelMemory, layoutFor, type KernelKind, type KernelLayout, type KernelMemory } from "./kernel.js";

/**
 * Exact face search over one embedding space of one collection: the same answer (faces,
 * order, similarities to the last digit) as computing the engine's similarity against every
 * face, in a fraction of the time.
 *
 * How, in two passes:
 *
 * 1. A scan over compact codes. Each face's embedding is kept as it came (float32, for the
 *    exact pass) and also as int8 codes with a float32 scale (search.ts encodes, kernel.ts
 *    scans). The space's similarity is a monotone function of a "key" the codes approximate:
 *    the cosine for the fixture space, q·x − |x|²/2 (that is (|q|² − d²)/2) for the model
 *    space's euclidean distance d. FaceMatchThreshold is mapped to the least key that can
 *    score it (rounding included), and the scan keeps every face whose approximate key is
 *    within the codes' worst-case error E of it. E is a bound, not an estimate (see
 *    `codingError`), so no face that could match is ever left out.
 * 2. An exact pass over the few faces kept: the engine's own similarity function on the
 *    stored float32 embedding, the threshold applied to that, best first, ties by FaceId,
 *    at most MaxFaces. When more faces are kept than MaxFaces, only those whose approximate
 *    key is within 2E (and a rounding step) of the MaxFaces-th best are re-scored: any face
 *    further down has MaxFaces faces strictly better than it.
 *
 * A space this file has no mapping for (an engine it does not know), or an engine whose
 * similarity does not agree with the mapping on a probe, is answered by the caller's full
 * scan instead: never fast and wrong.
 */

export type SimilarityFn = (a: ArrayLike<number>, b: ArrayLike<number>) => number;

/** The lowest similarity above 0 that a 5-decimal similarity can take. */
export const MIN_POSITIVE_SIMILARITY = 1e-5;

/** The largest difference in key between two faces whose rounded similarities could tie (a rounding step, with room). */
const ROUNDING_MARGIN = 2e-6;
/** Float32 arithmetic in the kernel and in the stored scales, relative to the magnitudes involved. */
const FLOAT_SLACK = 1e-6;

/**
 * What the codes of one face are: int8 codes written by `encode`, the kernel's a (the scale)
 * and b (an offset), and what the error bound needs: the residual ‖v − scale·codes‖ of the
 * coded vector v and the norm of scale·codes.
 */
interface RowCode {
  scale: number;
  offset: number;
  residual: number;
  codedNorm: number;
  /** The embedding's euclidean norm (the index tracks the largest, for the float32 slack). */
  norm: number;
}

interface PreparedQuery {
  /** int16 codes, one per dimension. */
  codes: Int16Array;
  /** The query's scale. */
  sq: number;
  /** ‖v − sq·codes‖ of the coded query vector v. */
  residual: number;
  /** The euclidean norm of the coded query vector (1 for a cosine query: its unit vector). */
  norm: number;
  /** The least exact key a face needs to score `threshold` (> 0); +Infinity when none can. */
  keyFor(threshold: number): number;
}

export interface SpaceMetric {
  readonly kind: "cosine" | "euclidean";
  /** The similarity this mapping is exact for (the engine's, from server/faces/similarity.ts). */
  readonly reference: SimilarityFn;
  encode(embedding: Float32Array, codes: Int8Array): RowCode;
  /** null when the query cannot score above 0 against anything (a zero vector under the cosine). */
  prepare(query: ArrayLike<number>, rowBytes: number): PreparedQuery | null;
  /** The codes' worst-case error on a key, for this query and index. */
  errorBound(query: PreparedQuery, stats: IndexStats): number;
}

/** What the index's error bound needs, the largest ever stored (never lowered on delete: a bound may only be loose). */
export interface IndexStats {
  dimension: number;
  residualMax: number;
  codedNormMax: number;
  normMax: number;
}

/**
 * The key's error, for any row, by Cauchy-Schwarz: with v the coded query vector, x the coded
 * row vector, ṽ = sq·cq and x̃ = s·cx their codes scaled back,
 *     v·x − ṽ·x̃ = v·(x − x̃) + (v − ṽ)·x̃,
 * so |error| ≤ ‖v‖·‖x − x̃‖ + ‖v − ṽ‖·‖x̃‖, bounded over the index by its largest residual and
 * coded norm. Exact residuals, not the worst case of rounding (n·s²/4): about 3× tighter.
 */
function codingError(query: PreparedQuery, stats: IndexStats): number {
  return query.norm * stats.residualMax + query.residual * stats.codedNormMax;
}

/** Codes of `values × k` (int8, |code| ≤ 127) into `codes`, their scale (float32, so the kernel's own) and what the bound needs. */
function quantise8(values: ArrayLike<number>, k: number, codes: Int8Array): { scale: number; residual: number; codedNorm: number } {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]! * k));
  codes.fill(0);
  if (max === 0 || !Number.isFinite(max)) return { scale: 0, residual: 0, codedNorm: 0 };
  const scale = Math.fround(max / 127);
  let residual = 0;
  let coded = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * k;
    const c = Math.max(-127, Math.min(127, Math.round(v / scale)));
    codes[i] = c;
    residual += (v - scale * c) ** 2;
    coded += (scale * c) ** 2;
  }
  return { scale, residual: Math.sqrt(residual), codedNorm: Math.sqrt(coded) };
}

/** The query's codes: int16 holding values within ±127 (as int8 would) so the kernel's dot products stay exact. */
function quantiseQuery(values: ArrayLike<number>, rowBytes: number): { codes: Int16Array; sq: number; residual: number } {
  const codes = new Int16Array(rowBytes);
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  if (max === 0 || !Number.isFinite(max)) return { codes, sq: 0, residual: 0 };
  const sq = max / 127;
  let residual = 0;
  for (let i = 0; i < values.length; i++) {
    codes[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / sq)));
    residual += (values[i]! - sq * codes[i]!) ** 2;
  }
  return { codes, sq, residual: Math.sqrt(residual) };
}

/**
 * The fixture engine's space: similarity = 100 × clamp((c − 0.6) / 0.4, 0, 1), rounded to 5
 * decimals, of the cosine c (server/faces/similarity.ts). The key is c; rows are coded as
 * their unit vectors, the query too (‖v‖ = 1).
 */
export const COSINE_METRIC: SpaceMetric = {
  kind: "cosine",
  reference: fixtureSimilarity,
  encode(embedding, codes) {
    let sum = 0;
    for (let i = 0; i < embedding.length; i++) sum += embedding[i]! * embedding[i]!;
    const norm = Math.sqrt(sum);
    if (norm === 0 || !Number.isFinite(norm)) {
      codes.fill(0);
      return { scale: 0, offset: 0, residual: 0, codedNorm: 0, norm: 0 };
    }
    return { ...quantise8(embedding, 1 / norm, codes), offset: 0, norm: 1 };
  },
  prepare(query, rowBytes) {
    let sum = 0;
    for (let i = 0; i < query.length; i++) sum += query[i]! * query[i]!;
    const norm = Math.sqrt(sum);
    // The engine's cosine is 0 against a zero vector: nothing scores above 0.
    if (norm === 0 || !Number.isFinite(norm)) return null;
    const unit = new Float64Array(query.length);
    for (let i = 0; i < query.length; i++) unit[i] = query[i]! / norm;
    return {
      ...quantiseQuery(unit, rowBytes),
      norm: 1,
      // round(y × 1e5) / 1e5 ≥ T needs y ≥ T − 5e-6; 1e-5 leaves room for the doubles' own rounding.
      keyFor: (threshold) => SIMILARITY_COSINE_FLOOR + ((1 - SIMILARITY_COSINE_FLOOR) * (threshold - 1e-5)) / 100,
    };
  },
  errorBound(query, stats) {
    return codingError(query, stats) + FLOAT_SLACK * 3;
  },
};

/**
 * The model engine's space: similarity a function of the euclidean distance d between two
 * descriptors (not unit length), 100 − 10d/0.52 up to the knee d = 0.52, then 90 − 100(d − 0.52),
 * clamped to 0-100 and rounded to 5 decimals (server/faces/similarity.ts). The key is
 * q·x − |x|²/2 = (|q|² − d²)/2, larger when closer; rows are coded raw, with b = −|x|²/2 (whose
 * float32 rounding the slack covers).
 */
export const EUCLIDEAN_METRIC: SpaceMetric = {
  kind: "euclidean",
  reference: modelSimilarity,
  encode(embedding, codes) {
    let sum = 0;
    for (let i = 0; i < embedding.length; i++) sum += embedding[i]! * embedding[i]!;
    return { ...quantise8(embedding, 1, codes), offset: -sum / 2, norm: Math.sqrt(sum) };
  },
  prepare(query, rowBytes) {
    let sum = 0;
    for (let i = 0; i < query.length; i++) sum += query[i]! * query[i]!;
    if (!Number.isFinite(sum)) return null;
    return {
      ...quantiseQuery(query, rowBytes),
      norm: Math.sqrt(sum),
      keyFor: (threshold) => {
        // The unrounded similarity must reach T − 5e-6 (1e-5: room for the doubles' rounding).
        const t = threshold - 1e-5;
        const dmax = t >= 90 ? ((100 - t) * MODEL_KNEE_DISTANCE) / 10 : MODEL_KNEE_DISTANCE + (90 - t) / 100;
        if (dmax < 0) return Number.POSITIVE_INFINITY;
        const d = dmax + 1e-9;
        return (sum - d * d) / 2;
      },
    };
  },
  errorBound(query, stats) {
    const magnitude = 1 + query.norm * stats.normMax + stats.normMax * stats.normMax;
    return codingError(query, stats) + FLOAT_SLACK * magnitude;
  },
};

/** The mapping of each space whose engine rekognito knows (server/faces/composed-engine.ts's FIXTURE_SPACE and MODEL_SPACE). */
const METRICS: Record<string, SpaceMetric> = { fixture: COSINE_METRIC, model: EUCLIDEAN_METRIC };

export function metricOfSpace(space: string): SpaceMetric | undefined {
  return Object.hasOwn(METRICS, space) ? METRICS[space] : undefined;
}

export interface SlotHit {
  slot: number;
  similarity: number;
}

/** Best first; equal similarities by FaceId, so answers are reproducible. */
function compareHits(idOf: (slot: number) => string): (a: SlotHit, b: SlotHit) => number {
  return (a, b) => b.similarity - a.similarity || (idOf(a.slot) < idOf(b.slot) ? -1 : 1);
}

/** The `limit` first hits in `compare` order, without sorting them all when there are many. */
export function firstHits(hits: SlotHit[], limit: number, compare: (a: SlotHit, b: SlotHit) => number): SlotHit[] {
  if (hits.length <= limit * 4 + 64) return hits.sort(compare).slice(0, limit);
  // A heap of the `limit` best so far, the worst of them on top.
  const heap: SlotHit[] = [];
  const worse = (i: number, j: number) => compare(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && worse(l, top)) top = l;
      if (r < heap.length && worse(r, top)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  for (const hit of hits) {
    if (heap.length < limit) {
      heap.push(hit);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (limit > 0 && compare(hit, heap[0]!) < 0) {
      heap[0] = hit;
      down(0);
    }
  }
  return heap.sort(compare);
}

/** The k-th largest of `values` (1-based), rearranging them (quickselect). */
export function kthLargest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

/** Rows of a growing list of blocks: the first grows by doubling, the others are BLOCK_ROWS rows. */
const FIRST_ROWS = 16;

/**
 * The embeddings of one space of one collection, by slot (0..size−1; a delete moves the last
 * row into the freed slot): float32 as stored, plus the codes the kernel scans when the space
 * has a metric.
 */
export class FaceVectors {
  private rows: Float32Array[] = [];
  private count = 0;
  private readonly memory: KernelMemory | null;
  private readonly layout: KernelLayout;
  private view: { buffer: ArrayBuffer; codes: Int8Array; floats: Float32Array; index: Int32Array } | null = null;
  private readonly stats: IndexStats;
  private readonly code: Int8Array;

  constructor(
    readonly dimension: number,
    private readonly metric: SpaceMetric | undefined,
    kernel: KernelKind = "wasm",
  ) {
    this.layout = layoutFor(dimension);
    this.memory = metric ? createKernelMemory(kernel) : null;
    this.stats = { dimension, residualMax: 0, codedNormMax: 0, normMax: 0 };
    this.code = new Int8Array(this.layout.rowBytes);
  }

  get size(): number {
    return this.count;
  }

  /** Which scan answers: "wasm", "js", or "full scan" (a space without a metric). */
  get kernel(): string {
    return this.memory?.kind ?? "full scan";
  }

  row(slot: number): Float32Array {
    const block = this.rows[Math.floor(slot / BLOCK_ROWS)]!;
    const at = (slot % BLOCK_ROWS) * this.dimension;
    return block.subarray(at, at + this.dimension);
  }

  /** Appends a row; returns its slot. */
  add(embedding: ArrayLike<number>): number {
    if (embedding.length !== this.dimension) throw new Error(`embedding of ${embedding.length} values in an index of ${this.dimension}-value embeddings`);
    const slot = this.count;
    const b = Math.floor(slot / BLOCK_ROWS);
    const inBlock = slot % BLOCK_ROWS;
    let block = this.rows[b];
    if (!block) {
      block = new Float32Array((b === 0 ? FIRST_ROWS : BLOCK_ROWS) * this.dimension);
      this.rows.push(block);
    } else if ((inBlock + 1) * this.dimension > block.length) {
      const grown = new Float32Array(Math.min(BLOCK_ROWS, (block.length / this.dimension) * 2) * this.dimension);
      grown.set(block);
      block = grown;
      this.rows[b] = block;
    }
    block.set(embedding, inBlock * this.dimension);
    this.count++;
    if (this.metric) this.writeCode(slot, this.row(slot));
    return slot;
  }

  /** Removes a slot by moving the last row into it. */
  removeSwap(slot: number): void {
    const last = this.count - 1;
    if (slot !== last) {
      this.row(slot).set(this.row(last));
      if (this.metric) {
        const v = this.views();
        const { rowBytes } = this.layout;
        const from = this.codeAt(last);
        v.codes.copyWithin(this.codeAt(slot), from, from + rowBytes);
        v.floats[this.scaleAt(slot)] = v.floats[this.scaleAt(last)]!;
        v.floats[this.offsetAt(slot)] = v.floats[this.offsetAt(last)]!;
      }
    }
    this.count--;
    // Free a block left empty, so that deleting a large collection's faces gives memory back to the rows.
    const blocks = Math.ceil(this.count / BLOCK_ROWS);
    if (this.rows.length > Math.max(1, blocks)) this.rows.length = Math.max(1, blocks);
  }

  private codeAt(slot: number): number {
    return this.layout.codes(Math.floor(slot / BLOCK_ROWS)) + (slot % BLOCK_ROWS) * this.layout.rowBytes;
  }

  private scaleAt(slot: number): number {
    return (this.layout.scales(Math.floor(slot / BLOCK_ROWS)) >> 2) + (slot % BLOCK_ROWS);
  }

  private offsetAt(slot: number): number {
    return (this.layout.offsets(Math.floor(slot / BLOCK_ROWS)) >> 2) + (slot % BLOCK_ROWS);
  }

  private views(): NonNullable<FaceVectors["view"]> {
    const buffer = this.memory!.buffer();
    if (this.view?.buffer !== buffer) {
      this.view = { buffer, codes: new Int8Array(buffer), floats: new Float32Array(buffer), index: new Int32Array(buffer) };
    }
    return this.view;
  }

  private writeCode(slot: number, embedding: Float32Array): void {
    const block = Math.floor(slot / BLOCK_ROWS);
    this.memory!.ensure(this.layout.codes(block) + this.layout.blockBytes);
    const { scale, offset, residual, codedNorm, norm } = this.metric!.encode(embedding, this.code);
    const stats = this.stats;
    if (residual > stats.residualMax) stats.residualMax = residual;
    if (codedNorm > stats.codedNormMax) stats.codedNormMax = codedNorm;
    if (norm > stats.normMax) stats.normMax = norm;
    const v = this.views();
    v.codes.set(this.code, this.codeAt(slot));
    v.floats[this.scaleAt(slot)] = scale;
    v.floats[this.offsetAt(slot)] = offset;
  }

  /**
   * The faces scoring at least `threshold` (> 0) against `query`, best first (ties by FaceId),
   * at most `limit`, `exclude` left out: exactly what `similarity` on every row would give.
   * undefined when this index cannot answer exactly (no metric for its space, or `similarity`
   * is not the metric's): the caller then scans every row.
   */
  search(query: ArrayLike<number>, similarity: SimilarityFn, threshold: number, limit: number, exclude: number, idOf: (slot: number) => string): SlotHit[] | undefined {
    const metric = this.metric;
    if (!metric || !this.memory) return undefined;
    if (this.count === 0 || limit <= 0) return [];
    // The mapping below is exact only for the metric's own similarity: check it is the one asked for.
    const probe = this.row(0);
    if (!Object.is(similarity(query, probe), metric.reference(query, probe))) return undefined;
    const prepared = metric.prepare(query, this.layout.rowBytes);
    if (!prepared) return [];
    const key = prepared.keyFor(threshold);
    if (key === Number.POSITIVE_INFINITY) return [];
    const error = metric.errorBound(prepared, this.stats);
    const bound = key - error - Math.abs(key) * FLOAT_SLACK;

    const v = this.views();
    new Int16Array(v.buffer, 0, this.layout.rowBytes).set(prepared.codes);
    const slots: number[] = [];
    const keys: number[] = [];
    const outIndex = this.layout.outIndex >> 2;
    const outScore = this.layout.outScore >> 2;
    const sq = Math.fround(prepared.sq);
    for (let block = 0, first = 0; first < this.count; block++, first += BLOCK_ROWS) {
      const found = this.memory.scan(this.layout, block, Math.min(BLOCK_ROWS, this.count - first), sq, bound);
      for (let i = 0; i < found; i++) {
        const slot = first + v.index[outIndex + i]!;
        if (slot === exclude) continue;
        slots.push(slot);
        keys.push(v.floats[outScore + i]!);
      }
    }

    // More kept than asked for: only those near the limit-th best can still be among the first.
    let cut = Number.NEGATIVE_INFINITY;
    if (slots.length > limit) cut = kthLargest(Float64Array.from(keys), limit) - 2 * error - ROUNDING_MARGIN;
    const hits: SlotHit[] = [];
    let checked = false;
    for (let i = 0; i < slots.length; i++) {
      if (keys[i]! < cut) continue;
      const row = this.row(slots[i]!);
      const s = similarity(query, row);
      // A second probe, on a face near the query (the first, on row 0, may have been two zeros).
      if (!checked) {
        if (!Object.is(s, metric.reference(query, row))) return undefined;
        checked = true;
      }
      if (s >= threshold) hits.push({ slot: slots[i]!, similarity: s });
    }
    return firstHits(hits, limit, compareHits(idOf));
  }
}
