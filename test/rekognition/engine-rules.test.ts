import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompareFacesCommand,
  CreateCollectionCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  InvalidParameterException,
  SearchFacesByImageCommand,
  SearchFacesCommand,
} from "@aws-sdk/client-rekognition";
import { afterEach, describe, expect, it } from "vitest";
import type { FaceAnalysis, ImageInfo } from "../../server/faces/engine.js";
import { modelSimilarity } from "../../server/faces/similarity.js";
import { face, FakeEngine, personVector, startRekognition, uniquePng, type Harness } from "./harness.js";

// AWS's rules applied to what an engine found, and the face spaces of two engines kept apart:
// the largest face is the one searched, IndexFaces leaves the lowest-quality faces out first
// when MaxFaces is exceeded, images under 80 pixels are refused, and a face found by one engine
// never matches a face found by another.

/** A FakeEngine whose faces are fixture-space, unless an image is put in another (as the model engine's are). */
class TwoSpaceEngine extends FakeEngine {
  private readonly spaces = new Map<string, string>();
  inSpace(space: string, bytes: Buffer): Buffer {
    this.spaces.set(createHash("sha256").update(bytes).digest("hex"), space);
    return bytes;
  }
  override async analyze(bytes: Buffer, image: ImageInfo): Promise<FaceAnalysis> {
    const analysis = await super.analyze(bytes, image);
    const space = this.spaces.get(createHash("sha256").update(bytes).digest("hex"));
    return { ...analysis, space: space ?? "fixture" };
  }
  override similarity(a: ArrayLike<number>, b: ArrayLike<number>, space?: string): number {
    return space === "model" ? modelSimilarity(a, b) : super.similarity(a, b);
  }
}

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function start(options: Parameters<typeof startRekognition>[0] = {}): Promise<Harness & { engine: TwoSpaceEngine }> {
  const h = await startRekognition({ engine: new TwoSpaceEngine(), ...options });
  harnesses.push(h);
  return h as Harness & { engine: TwoSpaceEngine };
}
const bytesOf = (b: Buffer) => ({ Bytes: new Uint8Array(b) });

describe("AWS's rules on the engine's faces", () => {
  it("refuses an image under 80 pixels on a side with InvalidParameterException, and reads one of 80", async () => {
    const h = await start();
    await h.client.send(new CreateCollectionCommand({ CollectionId: "c" }));
    for (const [w, ht] of [[79, 200], [200, 79]] as const) {
      const small = uniquePng(w, ht);
      h.engine.register(small, [face(personVector("small"))]);
      await expect(h.client.send(new DetectFacesCommand({ Image: bytesOf(small) }))).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(small) }))).rejects.toBeInstanceOf(InvalidParameterException);
    }
    const ok = h.engine.register(uniquePng(80, 80), [face(personVector("ok"))]);
    expect((await h.client.send(new DetectFacesCommand({ Image: bytesOf(ok) }))).FaceDetails).toHaveLength(1);
  });

  it("IndexFaces with more faces than MaxFaces leaves the lowest-quality faces out first, then the smallest", async () => {
    const h = await start();
    await h.client.send(new CreateCollectionCommand({ CollectionId: "c" }));
    // Four faces, largest first: the second largest is dark and blurred (fails the AUTO bar).
    const faces = [
      face(personVector("p1"), { Width: 0.3, Height: 0.3, Left: 0.0, Top: 0.0 }),
      face(personVector("p2"), { Width: 0.25, Height: 0.25, Left: 0.35, Top: 0.0 }, { quality: { Brightness: 4, Sharpness: 6 } }),
      face(personVector("p3"), { Width: 0.2, Height: 0.2, Left: 0.0, Top: 0.5 }),
      face(personVector("p4"), { Width: 0.15, Height: 0.15, Left: 0.5, Top: 0.5 }),
    ];
    const image = h.engine.register(uniquePng(), faces);
    const out = await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(image), MaxFaces: 2, QualityFilter: "NONE" }));
    expect(out.FaceRecords!.map((r) => r.Face!.BoundingBox!.Width)).toEqual([0.3, 0.2]);
    expect(out.UnindexedFaces!.map((u) => [u.Reasons, u.FaceDetail!.BoundingBox!.Width])).toEqual([
      [["EXCEEDS_MAX_FACES"], 0.25],
      [["EXCEEDS_MAX_FACES"], 0.15],
    ]);
    // With the AUTO filter the dark face is refused for its own reasons, not for MaxFaces.
    const again = h.engine.register(uniquePng(), faces);
    const auto = await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(again), MaxFaces: 2 }));
    expect(auto.FaceRecords!.map((r) => r.Face!.BoundingBox!.Width)).toEqual([0.3, 0.2]);
    expect(auto.UnindexedFaces!.map((u) => u.Reasons)).toEqual([["LOW_BRIGHTNESS", "LOW_SHARPNESS", "LOW_FACE_QUALITY"], ["EXCEEDS_MAX_FACES"]]);
  });

  it("SearchFacesByImage searches with the largest face and says which it was", async () => {
    const h = await start();
    await h.client.send(new CreateCollectionCommand({ CollectionId: "c" }));
    const big = personVector("big");
    const small = personVector("small");
    await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(h.engine.register(uniquePng(), [face(big)])), ExternalImageId: "big" }));
    await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(h.engine.register(uniquePng(), [face(small)])), ExternalImageId: "small" }));
    const group = h.engine.register(uniquePng(), [face(small, { Width: 0.1, Height: 0.1, Left: 0.8 }), face(big, { Width: 0.3, Height: 0.35, Left: 0.1 })]);
    const out = await h.client.send(new SearchFacesByImageCommand({ CollectionId: "c", Image: bytesOf(group), FaceMatchThreshold: 90 }));
    expect(out.SearchedFaceBoundingBox).toMatchObject({ Width: 0.3, Left: 0.1 });
    expect(out.FaceMatches!.map((m) => m.Face!.ExternalImageId)).toEqual(["big"]);
  });
});

describe("face spaces never mix", () => {
  it("a face found by one engine scores 0 against another engine's, even with the same vector", async () => {
    const h = await start();
    await h.client.send(new CreateCollectionCommand({ CollectionId: "c" }));
    const v = personVector("someone");
    const fixtureImage = h.engine.register(uniquePng(), [face(v)]);
    const modelImage = h.engine.inSpace("model", h.engine.register(uniquePng(), [face(v)]));
    const indexed = await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(fixtureImage), ExternalImageId: "fixture" }));
    await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(modelImage), ExternalImageId: "model" }));

    const byModel = await h.client.send(new SearchFacesByImageCommand({ CollectionId: "c", Image: bytesOf(modelImage), FaceMatchThreshold: 0 }));
    expect(byModel.FaceMatches!.map((m) => [m.Face!.ExternalImageId, m.Similarity])).toEqual([["model", 100], ["fixture", 0]]);
    const byFace = await h.client.send(new SearchFacesCommand({ CollectionId: "c", FaceId: indexed.FaceRecords![0]!.Face!.FaceId, FaceMatchThreshold: 0 }));
    expect(byFace.FaceMatches!.map((m) => [m.Face!.ExternalImageId, m.Similarity])).toEqual([["model", 0]]);
    const compared = await h.client.send(new CompareFacesCommand({ SourceImage: bytesOf(fixtureImage), TargetImage: bytesOf(modelImage), SimilarityThreshold: 0 }));
    expect(compared.FaceMatches!.map((m) => m.Similarity)).toEqual([0]);
  });

  it("the journal keeps each face's space across a restart, and an old journal without it loads as fixture faces", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rekognito-spaces-"));
    dirs.push(dir);
    const engine = new TwoSpaceEngine();
    const v = personVector("kept");
    const fixtureImage = engine.register(uniquePng(), [face(v)]);
    const modelImage = engine.inSpace("model", engine.register(uniquePng(), [face(v)]));
    let h = await startRekognition({ dataDir: dir, engine });
    await h.client.send(new CreateCollectionCommand({ CollectionId: "c" }));
    await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(fixtureImage), ExternalImageId: "fixture" }));
    await h.client.send(new IndexFacesCommand({ CollectionId: "c", Image: bytesOf(modelImage), ExternalImageId: "model" }));
    await h.close();

    // Each face is journalled with its space; a record of a journal written before the model
    // engine existed (the old one-letter shape, no "s"), appended by hand, loads as a fixture face.
    const journal = join(dir, readdir(dir));
    const lines = readFileSync(journal, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const fixtureFace = lines.find((l) => l.op === "add-faces" && l.faces[0].space === "fixture").faces[0];
    expect(lines.find((l) => l.op === "add-faces" && l.faces[0].space === "model")).toBeDefined();
    const b = fixtureFace.boundingBox;
    const oldFace = { i: "00000000-0000-4000-8000-0000000000aa", m: fixtureFace.imageId, x: "old", b: [b.Width, b.Height, b.Left, b.Top], c: fixtureFace.confidence, v: fixtureFace.indexFacesModelVersion, e: fixtureFace.embedding };
    appendFileSync(journal, `${JSON.stringify({ t: "faces", a: "123456789012", r: "us-east-1", id: "c", faces: [oldFace] })}\n`);

    h = await startRekognition({ dataDir: dir, engine });
    harnesses.push(h);
    const byFixture = await h.client.send(new SearchFacesByImageCommand({ CollectionId: "c", Image: bytesOf(fixtureImage), FaceMatchThreshold: 50 }));
    expect(byFixture.FaceMatches!.map((m) => m.Face!.ExternalImageId).sort()).toEqual(["fixture", "old"]);
    const byModel = await h.client.send(new SearchFacesByImageCommand({ CollectionId: "c", Image: bytesOf(modelImage), FaceMatchThreshold: 50 }));
    expect(byModel.FaceMatches!.map((m) => m.Face!.ExternalImageId)).toEqual(["model"]);
  });
});

/** The one journal file the Rekognition store writes in a data directory. */
function readdir(dir: string): string {
  const found = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes("rekognition"));
  if (found.length !== 1) throw new Error(`expected one rekognition journal in ${dir}, found ${found.join(", ")}`);
  return found[0]!;
}
