import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addFixture } from "../../scripts/add-fixture.js";
import { createFixtureEngine } from "../../server/faces/fixture-engine.js";
import { fixtureImage, fixtureImages, readFixture } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";
import { qualityReasons } from "../../server/faces/quality.js";

describe("add-fixture", () => {
  const dir = mkdtempSync(join(tmpdir(), "rekognito-add-fixture-"));
  const manifest = join(dir, "faces", "manifest.json");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A "camera photo" the fixtures do not know: a fixture JPEG with bytes appended after EOI. */
  const photo = (name: string, tag: string) => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([readFixture(fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-2.jpg" })), Buffer.from(tag)]));
    return path;
  };

  it("records a user's photo of a persona so the engine recognises it and matches it to that persona", async () => {
    const path = photo("me.jpg", "one");
    const record = addFixture({ image: path, persona: "bruno", box: { Left: 0.3, Top: 0.2, Width: 0.4, Height: 0.6 }, manifest });
    expect(record).toMatchObject({ file: "bruno/me.jpg", persona: "bruno", kind: "selfie" });
    expect(readFileSync(join(dir, "faces", "bruno", "me.jpg")).equals(readFileSync(path))).toBe(true);

    const engine = createFixtureEngine({ extraManifests: [manifest] });
    const bytes = readFileSync(path);
    const result = await engine.analyze(bytes, sniffImage(bytes)!);
    expect(result.recognised).toBe(true);
    const face = result.faces[0]!;
    expect(face.boundingBox).toEqual({ Width: 0.4, Height: 0.6, Left: 0.3, Top: 0.2 });
    for (const l of face.landmarks) {
      expect(l.X).toBeGreaterThanOrEqual(0.3);
      expect(l.X).toBeLessThanOrEqual(0.7);
    }
    expect(qualityReasons(face, result.image, "AUTO")).toEqual([]);
    const document = fixtureImage({ persona: "bruno", kind: "document" });
    expect(engine.similarity(face.embedding, document.faces[0]!.embedding)).toBeGreaterThanOrEqual(95);
    expect(engine.similarity(face.embedding, fixtureImage({ persona: "ana", kind: "document" }).faces[0]!.embedding)).toBeLessThan(50);
  });

  it("creates a new persona who is a stranger to everyone else", () => {
    const record = addFixture({ image: photo("zoe.jpg", "two"), persona: "zoe", name: "Zoe Adams", email: "zoe.adams@example.com", manifest });
    const engine = createFixtureEngine({ extraManifests: [manifest] });
    expect(engine.health()).toMatchObject({ personas: 8 });
    for (const image of fixtureImages())
      for (const face of image.faces) expect(engine.similarity(record.faces[0]!.embedding, face.embedding)).toBeLessThan(50);
  });

  it("records a look-alike that scores 80-89 against its persona", () => {
    const record = addFixture({ image: photo("twin.jpg", "three"), kind: "lookalike", lookalikeOf: "mei", manifest });
    const engine = createFixtureEngine({ extraManifests: [manifest] });
    for (const image of fixtureImages({ persona: "mei" })) {
      const s = engine.similarity(record.faces[0]!.embedding, image.faces[0]!.embedding);
      expect(s).toBeGreaterThanOrEqual(80);
      expect(s).toBeLessThan(89);
    }
  });

  it("refuses an image already recorded, an unknown persona, and a file that is not an image", () => {
    expect(() => addFixture({ image: fixtureImage({ persona: "ana", kind: "document" }).path, persona: "ana", manifest })).toThrow(/already recorded/);
    expect(() => addFixture({ image: photo("x.jpg", "four"), persona: "nobody", manifest })).toThrow(/unknown persona/);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello");
    expect(() => addFixture({ image: text, persona: "ana", manifest })).toThrow(/not a complete JPEG or PNG/);
  });
});
