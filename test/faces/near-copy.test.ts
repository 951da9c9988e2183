import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../server/core/logger.js";
import { createFaceEngine } from "../../server/faces/composed-engine.js";
import { fixtureImages, type FixtureImage } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";
import { findNearCopy, NEAR_COPY_MARGIN, NEAR_COPY_MIN, nearCopyScores, NearCopyReference } from "../../server/faces/near-copy.js";
import { decodeImage, type RgbImage } from "../../server/faces/pixels.js";
import { blur, brightness, cameraCapture, crop, encodeJpeg, mirror, missingPhotos, readPhoto, scale, shift } from "./photos.js";

// The fixture engine's tolerant match: a fixture picture that went through a camera, an
// encoder or a resize is still that fixture; another fixture, the look-alike included, is not.

const images = fixtureImages().filter((i) => sniffImage(readFileSync(i.path)) !== undefined);
const decoded = images.map((i) => decodeImage(readFileSync(i.path)));
const references = decoded.map((d) => new NearCopyReference(d));
// Every persona's first selfie, and the look-alike of Ana (whose picture is closest to hers).
const selfies = images
  .map((img, k) => ({ img, k }))
  .filter(({ img }) => (img.kind === "selfie" && img.file.endsWith("selfie-1.jpg")) || img.kind === "lookalike");

const variants: [string, (im: RgbImage) => RgbImage][] = [
  ["re-encoded at JPEG quality 50", (im) => decodeImage(encodeJpeg(im, 50))],
  ["rescaled to half", (im) => scale(im, 0.5)],
  ["rescaled to double and re-encoded", (im) => decodeImage(encodeJpeg(scale(im, 2), 85))],
  ["captured by a 640x480 camera (4:2:0, JPEG 0.92)", (im) => decodeImage(cameraCapture(im, 640, 480))],
  ["captured by a 1280x720 camera (cropped to 16:9)", (im) => decodeImage(cameraCapture(im, 1280, 720))],
  ["shifted by 2% and re-encoded", (im) => decodeImage(encodeJpeg(shift(im, Math.round(im.width * 0.02), Math.round(im.height * 0.01)), 90))],
  ["blurred (3x3)", (im) => blur(im)],
  ["20% brighter", (im) => brightness(im, 1.2)],
  ["mirrored (a selfie view) and captured at 640x480", (im) => decodeImage(cameraCapture(mirror(im), 640, 480))],
];

describe("near-copies of the fixtures", () => {
  it("each fixture is itself, well ahead of every other (the look-alike is not Ana)", () => {
    let worst = { score: -1, pair: "" };
    decoded.forEach((im, a) => {
      const scores = nearCopyScores(im, references);
      scores.forEach((score, b) => {
        if (a !== b && score > worst.score) worst = { score, pair: `${images[a]!.file} ~ ${images[b]!.file}` };
      });
      expect(findNearCopy(im, references)?.index, images[a]!.file).toBe(a);
    });
    console.log(`[near-copy] closest two different fixtures: ${worst.score.toFixed(3)} (${worst.pair}); a match needs ${NEAR_COPY_MIN} and a lead of ${NEAR_COPY_MARGIN}`);
    expect(1 - worst.score).toBeGreaterThan(NEAR_COPY_MARGIN);
  });

  for (const [name, make] of variants) {
    it(`a selfie ${name} is that selfie, and only that one`, () => {
      let lowest = Infinity;
      for (const { img, k } of selfies) {
        const match = findNearCopy(make(decoded[k]!), references);
        expect(match, `${img.file} ${name}`).toBeDefined();
        expect(images[match!.index]!.file, name).toBe(img.file);
        expect(match!.mirrored, name).toBe(name.startsWith("mirrored"));
        lowest = Math.min(lowest, match!.score - match!.runnerUp);
      }
      console.log(`[near-copy] ${name}: smallest lead over the next fixture ${lowest.toFixed(3)}`);
    });
  }

  it("documents and the odd cases survive a re-encode too", () => {
    for (const [k, img] of images.entries()) {
      if (img.kind === "selfie") continue;
      const match = findNearCopy(decodeImage(encodeJpeg(decoded[k]!, 80)), references);
      expect(images[match!.index]!.file, img.file).toBe(img.file);
    }
  });

  it("half of a selfie, or a picture that is not a fixture, is no fixture", () => {
    const { k } = selfies[0]!;
    const half = crop(decoded[k]!, 0, 0, decoded[k]!.width / 2, decoded[k]!.height);
    expect(findNearCopy(half, references)).toBeUndefined();
    const noise: RgbImage = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).map((_, i) => (i * 2654435761) % 251) };
    expect(findNearCopy(noise, references)).toBeUndefined();
    const flat: RgbImage = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) };
    expect(findNearCopy(flat, references)).toBeUndefined();
  });

  const photosMissing = missingPhotos(["webcamA", "fourPeople"]);
  if (photosMissing.length) console.log(`[skip] real photos against the fixtures: not installed: ${photosMissing.join("; ")}`);
  it.skipIf(photosMissing.length > 0)("a real photograph is never a near-copy of a fixture", () => {
    for (const name of ["webcamA", "fourPeople"] as const) {
      const photo = decodeImage(readPhoto(name));
      const best = Math.max(...nearCopyScores(photo, references));
      expect(best, name).toBeLessThan(NEAR_COPY_MIN);
    }
  });
});

describe("through the engine (the analysis worker), with the model off", () => {
  const engine = createFaceEngine({ mode: "fixtures", logger: silentLogger });
  afterAll(() => engine.close!());
  const ana = fixtureImages({ persona: "ana", kind: "selfie" })[0]! as FixtureImage;

  it("a camera's capture of Ana's selfie is Ana, with the selfie's faces", async () => {
    const frame = cameraCapture(decodeImage(readFileSync(ana.path)));
    const analysis = await engine.analyze(frame, sniffImage(frame)!);
    expect(analysis.recognised).toBe(true);
    expect(analysis.space).toBe("fixture");
    expect(analysis.faces).toHaveLength(1);
    expect(analysis.faces[0]!.embedding).toEqual(ana.faces[0]!.embedding);
    expect(analysis.image).toMatchObject({ format: "jpeg", width: 640, height: 480 });
    expect(analysis.note).toContain(ana.file);
  });

  it("a mirrored capture is Ana with her face mirrored: box, landmarks (left and right swapped), roll and yaw", async () => {
    const selfie = fixtureImages({ persona: "ana", kind: "selfie" })[1]!; // turned and tilted
    const frame = cameraCapture(mirror(decodeImage(readFileSync(selfie.path))));
    const analysis = await engine.analyze(frame, sniffImage(frame)!);
    const original = selfie.faces[0]!;
    const face = analysis.faces[0]!;
    expect(analysis.note).toContain("mirrored near-copy");
    expect(face.boundingBox.Left).toBeCloseTo(1 - original.boundingBox.Left - original.boundingBox.Width, 5);
    const at = (f: typeof face, type: string) => f.landmarks.find((l) => l.Type === type)!;
    expect(at(face, "eyeLeft").X).toBeCloseTo(1 - at(original, "eyeRight").X, 5);
    expect(at(face, "eyeLeft").X).toBeLessThan(at(face, "eyeRight").X);
    expect(face.pose).toEqual({ Roll: -original.pose.Roll, Yaw: -original.pose.Yaw, Pitch: original.pose.Pitch });
    expect(face.embedding).toEqual(original.embedding);
  });

  it("an unknown image has no face, and the note says why (the model is off)", async () => {
    const png = encodeJpeg({ width: 200, height: 160, data: new Uint8Array(200 * 160 * 3).fill(90) });
    const analysis = await engine.analyze(png, sniffImage(png)!);
    expect(analysis).toMatchObject({ recognised: false, faces: [] });
    expect(analysis.note).toContain("--faces fixtures");
    expect(engine.health()).toMatchObject({ mode: "fixtures", engines: ["fixture"], realPhotos: "not recognised", model: { state: "off" } });
  });
});
