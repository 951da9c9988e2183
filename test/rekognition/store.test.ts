import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ephemeralPersistence, filePersistence } from "../../server/core/persistence.js";
import { similarity } from "../../server/faces/similarity.js";
import { RekognitionStore, type NewFace } from "../../server/rekognition/store.js";
import { xorshift32 } from "../support/random.js";

/** A fast deterministic unit vector generator (xorshift), for volume tests. */
function vectors(seed: number, dim = 128): () => Float32Array {
  const bits = xorshift32(seed);
  const next = () => bits() / 2 ** 32 - 0.5;
  return () => {
    const v = new Float32Array(dim);
    let n = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = next();
      n += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < dim; i++) v[i]! *= inv;
    return v;
  };
}

function faceId(n: number): string {
  const h = n.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${h}`;
}

function newFace(n: number, embedding: Float32Array, imageId = "11111111-1111-5111-8111-111111111111"): NewFace {
  return {
    face: { faceId: faceId(n), imageId, boundingBox: { Width: 0.3, Height: 0.4, Left: 0.1, Top: 0.2 }, confidence: 99.5, indexFacesModelVersion: "7.0" },
    embedding,
  };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rekognito-store-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("RekognitionStore", () => {
  it("finds the one match among 100k faces in one contiguous array", () => {
    const store = new RekognitionStore(ephemeralPersistence());
    store.createCollection("a", "us-east-1", "big", 0);
    const next = vectors(42);
    const probe = next();
    for (let batch = 0; batch < 1000; batch++) {
      const faces: NewFace[] = [];
      for (let i = 0; i < 100; i++) faces.push(newFace(batch * 100 + i, next()));
      store.addFaces("a", "us-east-1", "big", faces);
    }
    store.addFaces("a", "us-east-1", "big", [newFace(999_999, probe)]);
    expect(store.faceCount("a", "us-east-1", "big")).toBe(100_001);
    const hits = store.search("a", "us-east-1", "big", probe, similarity, 80, 80);
    expect(hits.map((h) => h.face.faceId)).toEqual([faceId(999_999)]);
    expect(hits[0]!.similarity).toBe(100);
    // Its speed is measured by npm run bench (about 1-2 ms at 100k faces), not asserted here.
  });

  it("replays the journal after a restart, skipping a torn last line", () => {
    const dir = tempDir();
    const next = vectors(7);
    const first = new RekognitionStore(filePersistence(dir));
    first.createCollection("a", "us-east-1", "c", 1_000);
    const v = next();
    first.addFaces("a", "us-east-1", "c", [newFace(1, v), newFace(2, next())]);
    first.deleteFaces("a", "us-east-1", "c", [faceId(2)]);
    appendFileSync(join(dir, "rekognition.jsonl"), '{"op":"add-faces","accountId":"a","region":"us-e');
    const second = new RekognitionStore(filePersistence(dir));
    expect(second.getCollection("a", "us-east-1", "c")).toMatchObject({ createdAt: 1_000, faceModelVersion: "7.0" });
    expect(second.listFaces("a", "us-east-1", "c", undefined, 10).faces.map((f) => f.faceId)).toEqual([faceId(1)]);
    expect(Array.from(second.getEmbedding("a", "us-east-1", "c", faceId(1))!)).toEqual(Array.from(v));
  });

  it("compacts a journal dominated by deleted faces, once, on start", () => {
    const dir = tempDir();
    const next = vectors(9);
    const store = new RekognitionStore(filePersistence(dir));
    store.createCollection("a", "us-east-1", "c", 0);
    for (let i = 0; i < 1500; i++) store.addFaces("a", "us-east-1", "c", [newFace(i, next())]);
    store.deleteFaces("a", "us-east-1", "c", Array.from({ length: 1400 }, (_, i) => faceId(i)));
    const journal = join(dir, "rekognition.jsonl");
    const lines = () => readFileSync(journal, "utf8").split("\n").filter(Boolean).length;
    expect(lines()).toBe(1502);
    const reopened = new RekognitionStore(filePersistence(dir));
    expect(lines()).toBe(2);
    expect(reopened.faceCount("a", "us-east-1", "c")).toBe(100);
    const again = new RekognitionStore(filePersistence(dir));
    expect(again.listFaces("a", "us-east-1", "c", undefined, 1000).faces).toHaveLength(100);
  });

  it("lists faces after a FaceId that has since been deleted", () => {
    const store = new RekognitionStore(ephemeralPersistence());
    store.createCollection("a", "r", "c", 0);
    const next = vectors(3);
    store.addFaces("a", "r", "c", [1, 2, 3, 4].map((n) => newFace(n, next())));
    store.deleteFaces("a", "r", "c", [faceId(2)]);
    const page = store.listFaces("a", "r", "c", faceId(2), 1);
    expect(page.faces.map((f) => f.faceId)).toEqual([faceId(3)]);
    expect(page.more).toBe(true);
  });
});
