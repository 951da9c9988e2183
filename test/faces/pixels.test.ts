import { describe, expect, it } from "vitest";
import { poseFrom, rekognitionLandmarks } from "../../server/faces/model.js";
import { decodeImage, exifOrientation, faceQuality, orient, type RgbImage } from "../../server/faces/pixels.js";
import { similarityFromDistance } from "../../server/faces/similarity.js";
import { blur, encodeJpeg, exifOrientationSegment, rotateCounterClockwise } from "./photos.js";

// The model engine's pieces that need no model: EXIF orientation, the face measures, the
// landmark mapping and pose, and the similarity calibration's anchors.

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 255) / width, (y * 255) / height, 60], (y * width + x) * 3);
  return { width, height, data };
}

describe("EXIF orientation", () => {
  it("reads the Orientation tag, and 1 when there is none", () => {
    const plain = encodeJpeg(gradient(64, 32));
    expect(exifOrientation(plain)).toBe(1);
    for (const o of [3, 6, 8]) expect(exifOrientation(encodeJpeg(gradient(64, 32), 90, exifOrientationSegment(o)))).toBe(o);
  });

  it("turns a sideways-stored picture upright (Orientation 6 undoes a counter-clockwise quarter turn)", () => {
    const upright = gradient(64, 32);
    const back = orient(rotateCounterClockwise(upright), 6);
    expect(back.width).toBe(64);
    expect(back.height).toBe(32);
    expect(Buffer.from(back.data).equals(Buffer.from(upright.data))).toBe(true);
    const decoded = decodeImage(encodeJpeg(rotateCounterClockwise(upright), 95, exifOrientationSegment(6)));
    expect([decoded.width, decoded.height]).toEqual([64, 32]);
  });
});

describe("face quality on pixels", () => {
  const box = { x: 0, y: 0, width: 96, height: 96 };
  it("Brightness is the face's mean luma as a percentage, Sharpness 0 for a flat face", () => {
    const grey: RgbImage = { width: 96, height: 96, data: new Uint8Array(96 * 96 * 3).fill(51) };
    expect(faceQuality(grey, box)).toEqual({ Brightness: 20, Sharpness: 0 });
  });
  it("Sharpness falls as the face is blurred, and does not depend on its contrast", () => {
    // Broad shapes with hard edges, like a face's features: blur softens the edges, not the shapes.
    const checker = (lo: number, hi: number): RgbImage => {
      const image: RgbImage = { width: 96, height: 96, data: new Uint8Array(96 * 96 * 3) };
      for (let y = 0; y < 96; y++) {
        for (let x = 0; x < 96; x++) {
          const on = (x > 20 && x < 40 && y > 30 && y < 45) || (x > 56 && x < 76 && y > 30 && y < 45) || (x > 30 && x < 66 && y > 65 && y < 75) || (x - 48) ** 2 + (y - 50) ** 2 < 36;
          image.data.fill(on ? hi : lo, (y * 96 + x) * 3, (y * 96 + x) * 3 + 3);
        }
      }
      return image;
    };
    const crisp = faceQuality(checker(40, 220), box).Sharpness;
    let soft = checker(40, 220);
    const steps = [crisp];
    for (let i = 0; i < 3; i++) {
      soft = blur(blur(soft));
      steps.push(faceQuality(soft, box).Sharpness);
    }
    expect(crisp).toBeGreaterThan(90);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThan(steps[i - 1]!);
    expect(steps[3]!).toBeLessThan(crisp - 30);
    expect(faceQuality(checker(100, 160), box).Sharpness).toBeCloseTo(crisp, 0);
  });
});

/** 68 points of a level, frontal face (iBUG layout), centred on (cx, cy), turned by `roll` degrees. */
function frontalPoints(cx: number, cy: number, roll = 0, noseShift = 0): { x: number; y: number }[] {
  const p: [number, number][] = [];
  for (let i = 0; i <= 16; i++) p.push([-50 + (100 * i) / 16, -10 + 50 * Math.sin((Math.PI * i) / 16)]); // jaw 0-16
  for (let i = 0; i < 5; i++) p.push([-40 + 8 * i, -40]); // brow 17-21
  for (let i = 0; i < 5; i++) p.push([8 + 8 * i, -40]); // brow 22-26
  for (let i = 0; i < 4; i++) p.push([noseShift, -25 + 8 * i]); // bridge 27-30 (30: the tip, y = -1)
  for (let i = 0; i < 5; i++) p.push([-10 + 5 * i + noseShift, 5]); // nose bottom 31-35
  const eye = (ex: number): [number, number][] => [[ex - 10, -25], [ex - 4, -29], [ex + 4, -29], [ex + 10, -25], [ex + 4, -21], [ex - 4, -21]];
  p.push(...eye(-25), ...eye(25)); // eyes 36-47
  for (let i = 0; i < 12; i++) p.push([20 * Math.cos((Math.PI * 2 * i) / 12 + Math.PI), 20 + 8 * Math.sin((Math.PI * 2 * i) / 12 + Math.PI)]); // mouth 48-59
  for (let i = 0; i < 8; i++) p.push([12 * Math.cos((Math.PI * 2 * i) / 8 + Math.PI), 20 + 2 * Math.sin((Math.PI * 2 * i) / 8 + Math.PI)]); // 60-67
  const r = (roll * Math.PI) / 180;
  return p.map(([x, y]) => ({ x: cx + x * Math.cos(r) - y * Math.sin(r), y: cy + x * Math.sin(r) + y * Math.cos(r) }));
}

describe("landmarks and pose from the 68 points", () => {
  it("maps to Rekognition's types with eyeLeft on the image's left", () => {
    const l = rekognitionLandmarks(frontalPoints(200, 200));
    expect(Object.keys(l)).toHaveLength(30);
    expect(l.eyeLeft.x).toBeCloseTo(175);
    expect(l.eyeRight.x).toBeCloseTo(225);
    expect(l.nose).toEqual(frontalPoints(200, 200)[30]);
  });

  it("a level frontal face has no roll or yaw; a tilted one its roll; a turned one a yaw of the nose's side", () => {
    const level = poseFrom(frontalPoints(200, 200));
    expect(level.Roll).toBeCloseTo(0, 3);
    expect(level.Yaw).toBeCloseTo(0, 3);
    expect(poseFrom(frontalPoints(200, 200, 12)).Roll).toBeCloseTo(12, 3);
    expect(poseFrom(frontalPoints(200, 200, 12)).Yaw).toBeCloseTo(0, 3);
    expect(poseFrom(frontalPoints(200, 200, 0, 15)).Yaw).toBeGreaterThan(10);
    expect(poseFrom(frontalPoints(200, 200, 0, -15)).Yaw).toBeLessThan(-10);
  });
});

describe("the model's similarity calibration", () => {
  it("has the documented anchors", () => {
    expect(similarityFromDistance(0)).toBe(100);
    expect(similarityFromDistance(0.26)).toBeCloseTo(95, 5);
    expect(similarityFromDistance(0.52)).toBeCloseTo(90, 5);
    expect(similarityFromDistance(0.62)).toBeCloseTo(80, 5);
    expect(similarityFromDistance(1.42)).toBe(0);
    expect(similarityFromDistance(3)).toBe(0);
    for (let d = 0; d < 1.5; d += 0.01) expect(similarityFromDistance(d + 0.01)).toBeLessThanOrEqual(similarityFromDistance(d));
  });
});
