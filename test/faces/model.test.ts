import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../server/core/logger.js";
import { createFaceEngine } from "../../server/faces/composed-engine.js";
import type { DetectedFace, FaceAnalysis, FaceEngine } from "../../server/faces/engine.js";
import { fixtureImage } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";
import { modelPackagesMissing } from "../../server/faces/model.js";
import { decodeImage, type RgbImage } from "../../server/faces/pixels.js";
import { euclidean } from "../../server/faces/similarity.js";
import {
  brightness,
  crop,
  decodePhoto,
  encodeJpeg,
  exifOrientationSegment,
  missingPhotos,
  mirror,
  readPhoto,
  rotateCounterClockwise,
  scale,
} from "./photos.js";

// The model engine on photographs of real people, read from the packages that ship them. The
// model loads once for this file; each photo is analysed once (the engine caches by content).

const needed = ["webcamA", "webcamB", "group3", "fourPeople", "noPerson"] as const;
const missing = [...modelPackagesMissing().map((p) => `${p} (optional dependency: npm ci)`), ...missingPhotos([...needed])];
if (missing.length) console.log(`[skip] model engine tests: not installed: ${missing.join("; ")}`);

const analyse = async (engine: FaceEngine, bytes: Buffer, attributes = false): Promise<FaceAnalysis> =>
  engine.analyze(bytes, sniffImage(bytes)!, { attributes });
const landmark = (face: DetectedFace, type: string) => face.landmarks.find((l) => l.Type === type)!;
const center = (face: DetectedFace) => ({ x: face.boundingBox.Left + face.boundingBox.Width / 2, y: face.boundingBox.Top + face.boundingBox.Height / 2 });

/** Where OpenCV's own detector drew its magenta face circle on the tutorial's webcam frame: an independent witness. */
function magentaCentre(image: RgbImage): { x: number; y: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      if (image.data[i]! > 200 && image.data[i + 1]! < 80 && image.data[i + 2]! > 200) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  return { x: sx / n / image.width, y: sy / n / image.height };
}

describe.skipIf(missing.length > 0)("the model engine on real photographs", () => {
  let engine: FaceEngine;
  const results = new Map<string, FaceAnalysis>();
  const of = async (name: string, bytes: () => Buffer, attributes = false) => {
    if (!results.has(name)) results.set(name, await analyse(engine, bytes(), attributes));
    return results.get(name)!;
  };
  const face = async (name: string, bytes: () => Buffer) => {
    const analysis = await of(name, bytes);
    expect(analysis.faces, name).toHaveLength(1);
    return analysis.faces[0]!;
  };
  const webcamA = () => face("webcamA", () => readPhoto("webcamA"));

  beforeAll(() => {
    engine = createFaceEngine({ mode: "auto", logger: silentLogger });
    engine.warm!();
  });
  afterAll(() => engine.close!());

  it("finds the face in a webcam frame where OpenCV's own detector found it, with its landmarks on it", async () => {
    const f = await webcamA();
    const analysis = results.get("webcamA")!;
    expect(analysis).toMatchObject({ recognised: true, space: "model" });
    expect(f.confidence).toBeGreaterThan(90);
    const witness = magentaCentre(decodePhoto("webcamA"));
    expect(Math.abs(center(f).x - witness.x)).toBeLessThan(0.06);
    expect(Math.abs(center(f).y - witness.y)).toBeLessThan(0.08);
    const box = f.boundingBox;
    for (const type of ["eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"]) {
      const l = landmark(f, type);
      expect(l.X, type).toBeGreaterThan(box.Left);
      expect(l.X, type).toBeLessThan(box.Left + box.Width);
      expect(l.Y, type).toBeGreaterThan(box.Top);
      expect(l.Y, type).toBeLessThan(box.Top + box.Height);
    }
    expect(landmark(f, "eyeLeft").X).toBeLessThan(landmark(f, "eyeRight").X);
    expect(landmark(f, "eyeLeft").Y).toBeLessThan(landmark(f, "nose").Y);
    expect(landmark(f, "nose").Y).toBeLessThan(landmark(f, "mouthLeft").Y);
    expect(f.landmarks).toHaveLength(30);
    expect(f.embedding).toHaveLength(128);
    for (const v of [f.quality.Brightness, f.quality.Sharpness]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(Math.abs(f.pose.Roll)).toBeLessThan(30);
    expect(Math.abs(f.pose.Yaw)).toBeLessThan(45);
  });

  it("two independent webcam frames of one person match at 90 or more", async () => {
    const a = await webcamA();
    const b = await face("webcamB", () => readPhoto("webcamB"));
    const s = engine.similarity(a.embedding, b.embedding, "model");
    console.log(`[model] webcam frame A vs B (one person): distance ${euclidean(a.embedding, b.embedding).toFixed(3)}, similarity ${s.toFixed(2)}`);
    expect(s).toBeGreaterThanOrEqual(90);
  });

  it("copies of a photo (mirrored, smaller and re-encoded, brighter) are the same person at 90 or more, and their boxes follow", async () => {
    const a = await webcamA();
    const image = decodePhoto("webcamA");
    const copies: [string, Buffer][] = [
      ["mirrored", encodeJpeg(mirror(image), 90)],
      ["half size, JPEG 70", encodeJpeg(scale(image, 0.5), 70)],
      ["30% brighter", encodeJpeg(brightness(image, 1.3), 90)],
    ];
    for (const [name, bytes] of copies) {
      const copy = await face(name, () => bytes);
      const s = engine.similarity(a.embedding, copy.embedding, "model");
      console.log(`[model] webcam frame A vs its copy ${name}: distance ${euclidean(a.embedding, copy.embedding).toFixed(3)}, similarity ${s.toFixed(2)}`);
      expect(s, name).toBeGreaterThanOrEqual(90);
      const expectedX = name === "mirrored" ? 1 - center(a).x : center(a).x;
      expect(Math.abs(center(copy).x - expectedX), name).toBeLessThan(0.03);
      expect(Math.abs(center(copy).y - center(a).y), name).toBeLessThan(0.03);
    }
  });

  it("finds a face that fills a tight ID-photo crop (searching again inside a border)", async () => {
    const a = await webcamA();
    const image = decodePhoto("webcamA");
    const b = a.boundingBox;
    const tight = crop(image, (b.Left + 0.05 * b.Width) * image.width, (b.Top + 0.02 * b.Height) * image.height, 0.9 * b.Width * image.width, 0.96 * b.Height * image.height);
    const f = await face("tight crop", () => encodeJpeg(tight, 92));
    expect(f.boundingBox.Width).toBeGreaterThan(0.6);
    expect(engine.similarity(a.embedding, f.embedding, "model")).toBeGreaterThanOrEqual(90);
  });

  it("finds the same face in a large photo, decoded at half its size (its own size still reported)", async () => {
    const a = await webcamA();
    const image = decodePhoto("webcamA");
    const large = scale(image, 4); // 2568x2032: decoded at 1/2, then scaled to 1280
    const analysis = await of("4x", () => encodeJpeg(large, 90));
    expect(analysis.image).toMatchObject({ width: large.width, height: large.height });
    expect(analysis.faces).toHaveLength(1);
    expect(Math.abs(center(analysis.faces[0]!).x - center(a).x)).toBeLessThan(0.02);
    expect(Math.abs(analysis.faces[0]!.boundingBox.Width - a.boundingBox.Width)).toBeLessThan(0.03);
    expect(engine.similarity(a.embedding, analysis.faces[0]!.embedding, "model")).toBeGreaterThanOrEqual(90);
  });

  it("honours EXIF orientation: a phone's sideways picture gives the upright face", async () => {
    const a = await webcamA();
    const image = decodePhoto("webcamA");
    const stored = encodeJpeg(rotateCounterClockwise(image), 92, exifOrientationSegment(6));
    const analysis = await of("exif 6", () => stored);
    expect(analysis.image).toMatchObject({ width: image.width, height: image.height });
    expect(analysis.faces).toHaveLength(1);
    expect(Math.abs(center(analysis.faces[0]!).x - center(a).x)).toBeLessThan(0.03);
    expect(Math.abs(center(analysis.faces[0]!).y - center(a).y)).toBeLessThan(0.03);
  });

  it("tells different people apart: the faces of one group photo, and four portraits, are under 90 to each other", async () => {
    const groups = [await of("group3", () => readPhoto("group3")), await of("fourPeople", () => readPhoto("fourPeople"))];
    expect(groups[0]!.faces.length).toBeGreaterThanOrEqual(3);
    expect(groups[1]!.faces.length).toBeGreaterThanOrEqual(4);
    let closest = 0;
    for (const group of groups) {
      const faces = group.faces.filter((f) => f.confidence >= 80);
      for (let i = 0; i < faces.length; i++) {
        for (let j = i + 1; j < faces.length; j++) closest = Math.max(closest, engine.similarity(faces[i]!.embedding, faces[j]!.embedding, "model"));
      }
    }
    const a = await webcamA();
    for (const group of groups) for (const f of group.faces) closest = Math.max(closest, engine.similarity(a.embedding, f.embedding, "model"));
    console.log(`[model] highest similarity between two different people: ${closest.toFixed(2)}`);
    expect(closest).toBeLessThan(90);
  });

  it("a photo with no person has no face", async () => {
    const analysis = await of("noPerson", () => readPhoto("noPerson"));
    expect(analysis).toMatchObject({ recognised: true, space: "model", faces: [] });
  });

  it("gives the attributes its nets know when asked (age, gender, emotions, smile, eyes and mouth open)", async () => {
    const analysis = await of("webcamA with attributes", () => readPhoto("webcamA"), true);
    const a = analysis.faces[0]!.attributes!;
    expect(a.ageRange!.Low).toBeLessThan(a.ageRange!.High);
    expect(["Male", "Female"]).toContain(a.gender!.Value);
    const types = a.emotions!.map((e) => e.Type);
    expect(types.every((t) => ["HAPPY", "SAD", "ANGRY", "CONFUSED", "DISGUSTED", "SURPRISED", "CALM", "FEAR"].includes(t))).toBe(true);
    expect(a.smile!.Value).toBe(types[0] === "HAPPY");
    expect(typeof a.eyesOpen!.Value).toBe("boolean");
    expect(typeof a.mouthOpen!.Value).toBe("boolean");
    expect(a.eyeglasses).toBeUndefined(); // no net here says it: left out, not made up
    // The same face as without attributes.
    expect(analysis.faces[0]!.embedding).toEqual((await webcamA()).embedding);
  });

  it("a fixture persona is in the fixture space, never the model's", async () => {
    const ana = readFileSync(fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-1.jpg" }).path);
    const analysis = await analyse(engine, ana);
    expect(analysis.space).toBe("fixture");
    expect(engine.similarity(analysis.faces[0]!.embedding, (await webcamA()).embedding, "model")).toBeLessThan(90);
  });

  it("analyses off the event loop: timers keep firing while a photo is analysed", async () => {
    let turns = 0;
    let analysing = true;
    const spin = () => {
      turns++;
      if (analysing) setImmediate(spin);
    };
    setImmediate(spin);
    await analyse(engine, encodeJpeg(scale(decodePhoto("webcamB"), 0.8), 85));
    analysing = false;
    expect(turns).toBeGreaterThan(20);
  });

  it("is deterministic: another engine (another worker) gives bit-identical faces", async () => {
    const other = createFaceEngine({ mode: "auto", logger: silentLogger });
    try {
      const again = await analyse(other, readPhoto("webcamB"));
      expect(again.faces).toEqual(results.get("webcamB")!.faces);
    } finally {
      await other.close!();
    }
  });

  it("gives the same faces, bit for bit, on one WebAssembly thread (REKOGNITO_FACE_THREADS=1) as on two (the default on two cores)", async () => {
    const backend = (e: typeof engine) => (e.health() as { model: { versions?: { backend: string } } }).model.versions?.backend;
    expect(backend(engine)).toBe(availableParallelism() >= 2 ? "wasm (2 threads)" : "wasm");
    process.env.REKOGNITO_FACE_THREADS = "1";
    const single = createFaceEngine({ mode: "auto", logger: silentLogger });
    try {
      const again = await analyse(single, readPhoto("webcamB"));
      expect(backend(single)).toBe("wasm");
      expect(again.faces).toEqual(results.get("webcamB")!.faces);
    } finally {
      delete process.env.REKOGNITO_FACE_THREADS;
      await single.close!();
    }
  });

  it("says in health that the model is loaded and which engines answer", () => {
    expect(engine.health()).toMatchObject({ mode: "auto", engines: ["fixture", "model"], realPhotos: "recognised by the model engine", model: { state: "loaded" } });
  });
});

describe("without the model's packages (npm ci --omit=optional)", () => {
  const engine = createFaceEngine({ mode: "auto", logger: silentLogger, modelPackages: ["@vladmandic/face-api", "rekognito-test-absent-package"] });
  afterAll(() => engine.close!());

  it("says plainly, in health and in each answer, that real photos are not recognised and why", async () => {
    expect(engine.health()).toMatchObject({ engines: ["fixture"], realPhotos: "not recognised", model: { state: "unavailable", missing: ["rekognito-test-absent-package"] } });
    // Not a fixture nor a near-copy of one: a made-up picture.
    const picture: RgbImage = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).map((_, i) => (i % 960) / 4 + ((i * 7919) % 23)) };
    const analysis = await analyse(engine, encodeJpeg(picture, 80));
    expect(analysis).toMatchObject({ recognised: false, faces: [] });
    expect(analysis.note).toMatch(/not installed.*--omit=optional.*real photos are not recognised/);
  });

  it("still recognises the fixtures and their camera captures", async () => {
    const ana = readFileSync(fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-1.jpg" }).path);
    expect((await analyse(engine, ana)).faces).toHaveLength(1);
    const reencoded = encodeJpeg(decodeImage(ana), 75);
    expect(await analyse(engine, reencoded)).toMatchObject({ recognised: true, space: "fixture" });
  });
});
