import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { createFixtureEngine } from "../../server/faces/fixture-engine.js";
import { fixtureImages, fixturePersonas, readFixture, type FixtureImage } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";
import { qualityReasons } from "../../server/faces/quality.js";

const KINDS = ["document", "selfie", "lookalike", "two-faces", "no-face", "small-face", "corrupt", "not-an-image"] as const;

/** Decoded RGBA pixels of a fixture (JPEG or PNG). */
function pixels(image: FixtureImage): { width: number; height: number; at(x: number, y: number): [number, number, number] } {
  const bytes = readFixture(image);
  const decoded = image.file.endsWith(".png") ? PNG.sync.read(bytes) : jpeg.decode(bytes);
  return {
    width: decoded.width,
    height: decoded.height,
    at(x, y) {
      const i = (Math.round(y) * decoded.width + Math.round(x)) * 4;
      return [decoded.data[i]!, decoded.data[i + 1]!, decoded.data[i + 2]!];
    },
  };
}

const luma = ([r, g, b]: [number, number, number]) => 0.299 * r + 0.587 * g + 0.114 * b;

describe("the fixture set", () => {
  it("has at least six personas with example.com emails, each with a document and three selfies", () => {
    const personas = fixturePersonas();
    expect(personas.length).toBeGreaterThanOrEqual(6);
    for (const p of personas) {
      expect(p.email).toMatch(/^[a-z]+\.[a-z]+@example\.com$/);
      expect(fixtureImages({ persona: p.id, kind: "document" })).toHaveLength(1);
      expect(fixtureImages({ persona: p.id, kind: "selfie" }).length).toBeGreaterThanOrEqual(3);
    }
  });

  it("has every kind of image, and each file exists and hashes to its manifest entry", () => {
    for (const kind of KINDS) expect(fixtureImages({ kind }).length, kind).toBeGreaterThan(0);
    for (const image of fixtureImages()) {
      expect(existsSync(image.path), image.file).toBe(true);
      expect(createHash("sha256").update(readFixture(image)).digest("hex"), image.file).toBe(image.sha256);
    }
  });

  it("records faces where the script drew them: pupils dark at eyeLeft/eyeRight, skin at the box centre, inside the box", () => {
    for (const image of fixtureImages().filter((i) => i.faces.length > 0 && i.kind !== "small-face")) {
      const px = pixels(image);
      for (const face of image.faces) {
        const box = face.boundingBox;
        expect(box.Left).toBeGreaterThanOrEqual(0);
        expect(box.Top).toBeGreaterThanOrEqual(0);
        expect(box.Left + box.Width).toBeLessThanOrEqual(1);
        expect(box.Top + box.Height).toBeLessThanOrEqual(1);
        const types = face.landmarks.map((l) => l.Type);
        for (const t of ["eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"]) expect(types).toContain(t);
        for (const l of face.landmarks) {
          expect(l.X, `${image.file} ${l.Type}`).toBeGreaterThanOrEqual(box.Left - 0.01);
          expect(l.X, `${image.file} ${l.Type}`).toBeLessThanOrEqual(box.Left + box.Width + 0.01);
        }
        const eye = (t: string) => {
          const l = face.landmarks.find((x) => x.Type === t)!;
          return luma(px.at(l.X * px.width, l.Y * px.height));
        };
        // The cheek: halfway between the eye and the jaw, on the face's oval.
        const cheek = luma(px.at((box.Left + box.Width * 0.3) * px.width, (box.Top + box.Height * 0.6) * px.height));
        expect(eye("eyeLeft"), `${image.file} eyeLeft`).toBeLessThan(cheek - 20);
        expect(eye("eyeRight"), `${image.file} eyeRight`).toBeLessThan(cheek - 20);
      }
    }
  });
});

describe("sniffImage on the fixtures", () => {
  it("reads JPEG and PNG dimensions, and rejects the truncated JPEG and the non-image", () => {
    const formats = new Set<string>();
    for (const image of fixtureImages()) {
      const info = sniffImage(readFixture(image));
      if (image.kind === "corrupt" || image.kind === "not-an-image") {
        expect(info, image.file).toBeUndefined();
        continue;
      }
      expect(info, image.file).toBeDefined();
      const px = pixels(image);
      expect(info).toEqual({ format: image.file.endsWith(".png") ? "png" : "jpeg", width: px.width, height: px.height });
      formats.add(info!.format);
    }
    expect([...formats].sort()).toEqual(["jpeg", "png"]);
  });
});

describe("the fixture engine", () => {
  const engine = createFixtureEngine();
  const selfies = fixtureImages({ kind: "selfie" });
  const documents = fixtureImages({ kind: "document" });

  const analyze = async (image: FixtureImage) => {
    const bytes = readFixture(image);
    return engine.analyze(bytes, sniffImage(bytes)!);
  };

  it("recognises a fixture by its bytes and answers its recorded faces with attributes", async () => {
    const selfie = selfies[0]!;
    const result = await analyze(selfie);
    expect(result.recognised).toBe(true);
    expect(result.faces).toHaveLength(1);
    const face = result.faces[0]!;
    expect(face.embedding).toHaveLength(128);
    expect(Math.hypot(...face.embedding)).toBeCloseTo(1, 5);
    expect(face.boundingBox).toEqual(selfie.faces[0]!.boundingBox);
    expect(face.attributes?.ageRange).toBeDefined();
    expect(face.attributes?.emotions?.length).toBeGreaterThan(0);
    expect(face).not.toHaveProperty("persona");
  });

  it("answers an unknown image with no faces and recognised: false", async () => {
    const bytes = Buffer.from(readFixture(selfies[0]!));
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x55; // same size and format, different hash
    const result = await engine.analyze(bytes, sniffImage(bytes)!);
    expect(result).toEqual({ image: { format: "jpeg", width: 320, height: 240 }, faces: [], recognised: false });
  });

  it("finds two faces, largest first, and none in the landscape", async () => {
    const two = await analyze(fixtureImages({ kind: "two-faces" })[0]!);
    expect(two.faces).toHaveLength(2);
    const area = (f: (typeof two.faces)[number]) => f.boundingBox.Width * f.boundingBox.Height;
    expect(area(two.faces[0]!)).toBeGreaterThan(area(two.faces[1]!));
    const none = await analyze(fixtureImages({ kind: "no-face" })[0]!);
    expect(none).toMatchObject({ recognised: true, faces: [] });
  });

  it("matches every selfie best to its own persona's document, at 95 or more", async () => {
    for (const selfie of selfies) {
      const face = (await analyze(selfie)).faces[0]!;
      const scores = documents.map((d) => ({ persona: d.persona, score: engine.similarity(face.embedding, d.faces[0]!.embedding) }));
      scores.sort((a, b) => b.score - a.score);
      expect(scores[0]!.persona, selfie.file).toBe(selfie.persona);
      expect(scores[0]!.score, selfie.file).toBeGreaterThanOrEqual(95);
      expect(scores[1]!.score, selfie.file).toBeLessThan(50);
    }
  });

  it("scores any two images of one persona 95-100, and any two personas under 50", () => {
    const faces = fixtureImages().flatMap((i) => i.faces.map((f) => ({ file: i.file, face: f })));
    for (const a of faces)
      for (const b of faces) {
        if (a === b || a.face.persona === null || b.face.persona === null) continue;
        const s = engine.similarity(a.face.embedding, b.face.embedding);
        if (a.face.persona === b.face.persona) {
          expect(s, `${a.file} ~ ${b.file}`).toBeGreaterThanOrEqual(95);
          expect(s).toBeLessThanOrEqual(100);
        } else {
          expect(s, `${a.file} ~ ${b.file}`).toBeLessThan(50);
        }
      }
  });

  it("scores the look-alike 80-89 against its persona's images and under 90 against everyone", async () => {
    const lookalike = fixtureImages({ kind: "lookalike" })[0]!;
    const face = (await analyze(lookalike)).faces[0]!;
    for (const image of fixtureImages()) {
      for (const other of image.faces) {
        if (image === lookalike) continue;
        const s = engine.similarity(face.embedding, other.embedding);
        expect(s, image.file).toBeLessThan(90);
        if (other.persona === lookalike.lookalikeOf) {
          expect(s, image.file).toBeGreaterThanOrEqual(80);
          expect(s, image.file).toBeLessThan(89);
        } else {
          expect(s, image.file).toBeLessThan(50);
        }
      }
    }
  });

  it("reports its name and counts for the health page", () => {
    expect(engine.health()).toMatchObject({ engine: "fixture", personas: fixturePersonas().length, images: fixtureImages().length });
  });
});

describe("qualityReasons on the fixtures", () => {
  it("passes every document and selfie face at AUTO and HIGH", () => {
    for (const image of [...fixtureImages({ kind: "document" }), ...fixtureImages({ kind: "selfie" }), ...fixtureImages({ kind: "lookalike" }), ...fixtureImages({ kind: "two-faces" })]) {
      const info = sniffImage(readFixture(image))!;
      for (const face of image.faces) {
        expect(qualityReasons(face, info, "AUTO"), image.file).toEqual([]);
        expect(qualityReasons(face, info, "HIGH"), image.file).toEqual([]);
      }
    }
  });

  it("rejects the small face for SMALL_BOUNDING_BOX at AUTO, and keeps it with NONE", () => {
    const image = fixtureImages({ kind: "small-face" })[0]!;
    const info = sniffImage(readFixture(image))!;
    const face = image.faces[0]!;
    expect(qualityReasons(face, info, "AUTO")).toEqual(["SMALL_BOUNDING_BOX"]);
    expect(qualityReasons(face, info, "LOW")).toEqual(["SMALL_BOUNDING_BOX"]);
    expect(qualityReasons(face, info, "MEDIUM")).toContain("SMALL_BOUNDING_BOX");
    expect(qualityReasons(face, info, "NONE")).toEqual([]);
  });
});
