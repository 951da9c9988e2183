import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ephemeralPersistence, filePersistence } from "../../server/core/persistence.js";
import { modelSimilarity, similarity as fixtureSimilarity } from "../../server/faces/similarity.js";
import { wasmKernelAvailable, type KernelKind } from "../../server/rekognition/kernel.js";
import { RekognitionStore, type NewFace, type SimilarityFn } from "../../server/rekognition/store.js";
import { xorshift32 } from "../support/random.js";

// The fast search (int8 codes scanned, then an exact pass) must answer exactly what computing
// the engine's similarity against every face answers: the same faces, in the same order, with
// the same similarities to the last digit. Each test compares it with such a full scan,
// written here independently of the store, over random collections of both spaces.

const A = "123456789012";
const R = "us-east-1";
const C = "c";

/** Seeded xorshift32, uniform in [0, 1), and a standard normal from it. */
function random(seed: number): { uniform: () => number; normal: () => number } {
  const bits = xorshift32(seed);
  const uniform = () => bits() / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const SIMILARITY: Record<string, SimilarityFn> = { fixture: fixtureSimilarity, model: modelSimilarity };

interface Face {
  id: string;
  space: string;
  embedding: Float32Array;
}

/**
 * Faces around a few people, at every distance from them: fixture faces are unit vectors
 * (their similarity is of the cosine), model faces are raw descriptors of norm about 1 (of the
 * euclidean distance), as the two engines give them. Some faces are exact copies (ties) and
 * some are zero vectors.
 */
class Population {
  private readonly rng;
  private n = 0;
  readonly centres: Record<string, Float32Array[]> = { fixture: [], model: [] };

  constructor(seed: number, private readonly dim = 128) {
    this.rng = random(seed);
    for (let i = 0; i < 6; i++) {
      this.centres.fixture!.push(this.unit(this.gaussian(1)));
      this.centres.model!.push(this.gaussian(0.09));
    }
  }

  private gaussian(sigma: number): Float32Array {
    return Float32Array.from({ length: this.dim }, () => this.rng.normal() * sigma);
  }

  private unit(v: Float32Array): Float32Array {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  }

  /** A random id, so that FaceId order is not the order of indexing. */
  id(): string {
    const hex = (k: number) => Array.from({ length: k }, () => Math.floor(this.rng.uniform() * 16).toString(16)).join("");
    return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(8)}${(this.n++).toString(16).padStart(4, "0")}`;
  }

  /** A face near one of the people (or nobody's), in `space`. */
  vector(space: string): Float32Array {
    const pick = this.rng.uniform();
    const centres = this.centres[space]!;
    if (pick < 0.03) return new Float32Array(this.dim);
    if (pick < 0.2) return space === "fixture" ? this.unit(this.gaussian(1)) : this.gaussian(0.09);
    const centre = centres[Math.floor(this.rng.uniform() * centres.length)]!;
    if (space === "fixture") {
      const spread = this.rng.uniform() * 0.12;
      return this.unit(centre.map((x) => x + this.rng.normal() * spread));
    }
    const spread = this.rng.uniform() * 0.07;
    return centre.map((x) => x + this.rng.normal() * spread);
  }

  face(space: string, copyOf?: Face): Face {
    return { id: this.id(), space, embedding: copyOf ? copyOf.embedding.slice() : this.vector(space) };
  }

  uniform(): number {
    return this.rng.uniform();
  }
}

function toNew(face: Face): NewFace {
  return {
    face: {
      faceId: face.id,
      imageId: "11111111-1111-5111-8111-111111111111",
      boundingBox: { Width: 0.3, Height: 0.4, Left: 0.1, Top: 0.2 },
      confidence: 99.5,
      indexFacesModelVersion: "7.0",
      space: face.space,
    },
    embedding: face.embedding,
  };
}

/** Every face's similarity to the query (0 across spaces), best first, ties by FaceId. */
function scoreAll(faces: Iterable<Face>, query: ArrayLike<number>, space: string, exclude?: string): [string, number][] {
  const all: [string, number][] = [];
  for (const f of faces) {
    if (f.id === exclude) continue;
    all.push([f.id, f.space === space ? SIMILARITY[space]!(query, f.embedding) : 0]);
  }
  return all.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** The answer by definition: those of `scored` at or above the threshold, at most `limit`. */
function answer(scored: [string, number][], threshold: number, limit: number): [string, number][] {
  return scored.filter((h) => h[1] >= threshold).slice(0, limit);
}

function fullScan(faces: Iterable<Face>, query: ArrayLike<number>, space: string, threshold: number, limit: number, exclude?: string): [string, number][] {
  return answer(scoreAll(faces, query, space, exclude), threshold, limit);
}

function search(store: RekognitionStore, query: ArrayLike<number>, space: string, threshold: number, limit: number, exclude?: string, similarity = SIMILARITY[space]!): [string, number][] {
  return store.search(A, R, C, query, similarity, threshold, limit, exclude, space).map((h) => [h.face.faceId, h.similarity]);
}

/** Thresholds at the edges: AWS's bounds, just above 0, and exactly at (and just above) similarities that occur. */
function thresholdsFor(answer: [string, number][]): number[] {
  const out = [0, 1e-6, 1e-5, 2e-5, 50, 80, 90, 95, 99.99999, 100];
  for (const k of [0, 1, 4, 9, 30]) {
    const s = answer[k]?.[1];
    if (s !== undefined) out.push(s, s + 1e-9, Math.max(0, s - 1e-5));
  }
  return out;
}

function fill(store: RekognitionStore, faces: Face[]): void {
  for (let i = 0; i < faces.length; i += 97) store.addFaces(A, R, C, faces.slice(i, i + 97).map(toNew));
}

const KERNELS: KernelKind[] = ["wasm", "js"];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the search kernel", () => {
  it("runs on WebAssembly SIMD here, so that the tests below check the fast one against the JavaScript one", () => {
    expect(wasmKernelAvailable()).toBe(true);
    const store = new RekognitionStore(ephemeralPersistence());
    store.createCollection(A, R, C, 0);
    const pop = new Population(1);
    store.addFaces(A, R, C, [toNew(pop.face("fixture")), toNew(pop.face("model"))]);
    expect(store.searchKernels()).toEqual({ fixture: "wasm", model: "wasm" });
  });
});

describe.each(KERNELS)("exact search (%s kernel)", (kernel) => {
  it("answers what a full scan answers, over both spaces, at every threshold edge and MaxFaces", () => {
    const pop = new Population(kernel === "wasm" ? 11 : 12);
    const faces: Face[] = [];
    for (let i = 0; i < 3000; i++) faces.push(pop.face(pop.uniform() < 0.6 ? "fixture" : "model"));
    // Exact copies: ties broken by FaceId.
    for (let i = 0; i < 60; i++) faces.push(pop.face(faces[i * 7]!.space, faces[i * 7]));
    const store = new RekognitionStore(ephemeralPersistence(), undefined, { kernel });
    store.createCollection(A, R, C, 0);
    fill(store, faces);

    let compared = 0;
    let nonEmpty = 0;
    for (let q = 0; q < 16; q++) {
      const space = q % 2 ? "model" : "fixture";
      // Queries: stored faces (their copies and people tie), fresh faces, a person's centre.
      const query = q % 3 === 0 ? faces[q * 41]!.embedding : q % 3 === 1 ? pop.vector(space) : pop.centres[space]![q % 6]!;
      const querySpace = q % 3 === 0 ? faces[q * 41]!.space : space;
      const scored = scoreAll(faces, query, querySpace);
      for (const threshold of thresholdsFor(scored.filter((h) => h[1] > 0))) {
        for (const limit of [1, 3, 80, 4096]) {
          const expected = answer(scored, threshold, limit);
          expect(search(store, query, querySpace, threshold, limit), `query ${q}, threshold ${threshold}, MaxFaces ${limit}`).toEqual(expected);
          compared++;
          if (expected.length && expected[0]![1] > 0) nonEmpty++;
        }
      }
    }
    expect(compared).toBeGreaterThan(600);
    expect(nonEmpty).toBeGreaterThan(compared / 3);
  });

  it("is exact for embeddings of any length, not only the engines' 128 values", () => {
    for (const dim of [1, 20, 100, 200]) {
      const pop = new Population(dim, dim);
      const faces = Array.from({ length: 700 }, () => pop.face(pop.uniform() < 0.5 ? "fixture" : "model"));
      const store = new RekognitionStore(ephemeralPersistence(), undefined, { kernel });
      store.createCollection(A, R, C, 0);
      fill(store, faces);
      for (let q = 0; q < 6; q++) {
        const space = q % 2 ? "model" : "fixture";
        const query = q < 2 ? faces[q]!.embedding : pop.vector(space);
        const scored = scoreAll(faces, query, space);
        for (const threshold of [0, 1e-5, 60, 90, scored[3]![1]]) {
          for (const limit of [1, 10, 1000]) expect(search(store, query, space, threshold, limit), `${dim} values`).toEqual(answer(scored, threshold, limit));
        }
      }
    }
  });

  it("leaves the searched face out (SearchFaces) and breaks ties among many equal faces by FaceId", () => {
    const pop = new Population(21);
    const one = pop.face("fixture");
    const faces = [one, ...Array.from({ length: 400 }, () => pop.face("fixture", one)), ...Array.from({ length: 300 }, () => pop.face("fixture"))];
    const modelOne = pop.face("model");
    faces.push(modelOne, ...Array.from({ length: 300 }, () => pop.face("model", modelOne)));
    const store = new RekognitionStore(ephemeralPersistence(), undefined, { kernel });
    store.createCollection(A, R, C, 0);
    fill(store, faces);
    for (const [probe, space] of [[one, "fixture"], [modelOne, "model"]] as const) {
      for (const limit of [1, 3, 80, 4096]) {
        for (const threshold of [0, 50, 100]) {
          const expected = fullScan(faces, probe.embedding, space, threshold, limit, probe.id);
          expect(search(store, probe.embedding, space, threshold, limit, probe.id)).toEqual(expected);
        }
      }
      expect(search(store, probe.embedding, space, 100, 3, probe.id).map((h) => h[1])).toEqual([100, 100, 100]);
    }
  });

  it("at FaceMatchThreshold 0 also answers the other space's faces and the unlike ones, with similarity 0, in FaceId order", () => {
    const pop = new Population(31);
    const faces = Array.from({ length: 500 }, (_, i) => pop.face(i % 2 ? "model" : "fixture"));
    const store = new RekognitionStore(ephemeralPersistence(), undefined, { kernel });
    store.createCollection(A, R, C, 0);
    fill(store, faces);
    const query = pop.vector("fixture");
    const positive = fullScan(faces, query, "fixture", 1e-5, 4096).length;
    expect(positive).toBeGreaterThan(0);
    expect(positive).toBeLessThan(250);
    const answer = search(store, query, "fixture", 0, 400);
    expect(answer).toEqual(fullScan(faces, query, "fixture", 0, 400));
    expect(answer.filter((h) => h[1] === 0).length).toBe(400 - positive);
    // A space with no face in the collection: everything at 0.
    expect(search(store, query, "unheard-of", 0, 10)).toEqual(fullScan(faces, query, "unheard-of", 0, 10));
    expect(search(store, query, "unheard-of", 1, 10)).toEqual([]);
  });

  it("stays exact through IndexFaces and DeleteFaces (a deleted face's slot is taken by another)", () => {
    const pop = new Population(41);
    const store = new RekognitionStore(ephemeralPersistence(), undefined, { kernel });
    store.createCollection(A, R, C, 0);
    const live = new Map<string, Face>();
    for (let round = 0; round < 8; round++) {
      const added = Array.from({ length: 400 }, () => pop.face(pop.uniform() < 0.5 ? "fixture" : "model"));
      fill(store, added);
      for (const f of added) live.set(f.id, f);
      // Delete a third of the faces, in random order, some asked twice or unknown.
      const ids = [...live.keys()].filter(() => pop.uniform() < 0.33);
      const deleted = store.deleteFaces(A, R, C, [...ids, ids[0] ?? "none", "00000000-0000-4000-8000-000000000000"]);
      expect(deleted).toEqual(ids);
      for (const id of ids) live.delete(id);
      expect(store.faceCount(A, R, C)).toBe(live.size);
      for (let q = 0; q < 6; q++) {
        const space = q % 2 ? "model" : "fixture";
        const query = pop.vector(space);
        for (const threshold of [0, 30, 80]) {
          expect(search(store, query, space, threshold, 50)).toEqual(fullScan(live.values(), query, space, threshold, 50));
        }
      }
      const listed = store.listFaces(A, R, C, undefined, 100_000).faces.map((f) => f.faceId);
      expect(listed).toEqual([...live.keys()].sort());
      for (const f of [...live.values()].slice(0, 20)) expect(Array.from(store.getEmbedding(A, R, C, f.id)!)).toEqual(Array.from(f.embedding));
    }
  });

  it("keeps its answers across a restart (the journal replayed) at a few thousand faces", () => {
    const dir = mkdtempSync(join(tmpdir(), "rekognito-search-"));
    dirs.push(dir);
    const pop = new Population(51);
    const first = new RekognitionStore(filePersistence(dir), undefined, { kernel });
    first.createCollection(A, R, C, 0);
    const faces = Array.from({ length: 4000 }, () => pop.face(pop.uniform() < 0.5 ? "fixture" : "model"));
    fill(first, faces);
    const gone = new Set(faces.filter((_, i) => i % 5 === 0).map((f) => f.id));
    first.deleteFaces(A, R, C, [...gone]);
    const live = faces.filter((f) => !gone.has(f.id));
    const queries = Array.from({ length: 10 }, (_, q) => ({ space: q % 2 ? "model" : "fixture", query: q < 5 ? pop.vector(q % 2 ? "model" : "fixture") : live[q * 97]!.embedding }));
    const before = queries.map(({ space, query }) => search(first, query, space, 40, 100));

    const second = new RekognitionStore(filePersistence(dir), undefined, { kernel });
    expect(second.faceCount(A, R, C)).toBe(live.length);
    queries.forEach(({ space, query }, i) => {
      const after = search(second, query, space, 40, 100);
      expect(after).toEqual(before[i]);
      expect(after).toEqual(fullScan(live, query, space, 40, 100));
    });
    expect(before.some((b) => b.length > 3)).toBe(true);
  });
});

describe("when the fast search cannot be exact", () => {
  it("answers an engine whose similarity differs from the space's mapping, and a space it has no mapping for, by a full scan", () => {
    const pop = new Population(61);
    const faces = Array.from({ length: 600 }, () => pop.face("fixture"));
    const store = new RekognitionStore(ephemeralPersistence());
    store.createCollection(A, R, C, 0);
    fill(store, faces);
    // An engine of its own mapping: the plain cosine, as a percentage.
    const cosinePercent: SimilarityFn = (a, b) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! * a[i]!;
        nb += b[i]! * b[i]!;
      }
      return na && nb ? Math.max(0, Math.round((dot / Math.sqrt(na * nb)) * 1e7) / 1e5) : 0;
    };
    const query = faces[5]!.embedding;
    const expected: [string, number][] = faces
      .map((f) => [f.id, cosinePercent(query, f.embedding)] as [string, number])
      .filter((h) => h[1] >= 30)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 80);
    expect(expected.length).toBeGreaterThan(20);
    expect(search(store, query, "fixture", 30, 80, undefined, cosinePercent)).toEqual(expected);

    const other = new RekognitionStore(ephemeralPersistence());
    other.createCollection(A, R, C, 0);
    const fakes = faces.map((f) => ({ ...f, space: "fake" }));
    other.addFaces(A, R, C, fakes.map(toNew));
    expect(other.searchKernels()).toEqual({ fake: "full scan" });
    expect(search(other, query, "fake", 30, 80, undefined, fixtureSimilarity)).toEqual(
      fullScan(
        faces.map((f) => ({ ...f })),
        query,
        "fixture",
        30,
        80,
      ),
    );
  });
});
