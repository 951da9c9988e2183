import { describe, expect, it } from "vitest";
import { qualityReasons } from "../../server/faces/quality.js";

const image = { width: 1000, height: 1000 };
const good = {
  boundingBox: { Width: 0.3, Height: 0.4, Left: 0.3, Top: 0.2 },
  confidence: 99.9,
  pose: { Roll: 2, Yaw: -5, Pitch: 3 },
  quality: { Brightness: 80, Sharpness: 85 },
};

describe("qualityReasons", () => {
  it("passes a good face at every bar", () => {
    for (const bar of ["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"] as const) expect(qualityReasons(good, image, bar)).toEqual([]);
  });

  it("names each failure with Rekognition's reason, in the order of its enum", () => {
    const bad = {
      boundingBox: { Width: 0.02, Height: 0.03, Left: 0.5, Top: 0.5 },
      confidence: 50,
      pose: { Roll: 0, Yaw: 80, Pitch: 0 },
      quality: { Brightness: 5, Sharpness: 5 },
    };
    expect(qualityReasons(bad, image, "AUTO")).toEqual(["EXTREME_POSE", "LOW_BRIGHTNESS", "LOW_SHARPNESS", "LOW_CONFIDENCE", "SMALL_BOUNDING_BOX", "LOW_FACE_QUALITY"]);
    expect(qualityReasons(bad, image, "NONE")).toEqual([]);
  });

  it("raises the bar from LOW to HIGH", () => {
    const soft = { ...good, quality: { Brightness: 25, Sharpness: 70 }, pose: { Roll: 0, Yaw: 40, Pitch: 0 } };
    expect(qualityReasons(soft, image, "LOW")).toEqual([]);
    expect(qualityReasons(soft, image, "MEDIUM")).toEqual([]);
    expect(qualityReasons(soft, image, "HIGH")).toEqual(["EXTREME_POSE", "LOW_BRIGHTNESS"]);
  });

  it("treats AUTO as the LOW bar", () => {
    const face = { ...good, boundingBox: { Width: 0.06, Height: 0.06, Left: 0, Top: 0 } };
    expect(qualityReasons(face, image, "AUTO")).toEqual(qualityReasons(face, image, "LOW"));
    expect(qualityReasons(face, image, "MEDIUM")).toEqual(["SMALL_BOUNDING_BOX"]);
  });

  it("rejects a face under 20 pixels even in a tiny image", () => {
    const face = { ...good, boundingBox: { Width: 0.2, Height: 0.2, Left: 0, Top: 0 } };
    expect(qualityReasons(face, { width: 80, height: 80 }, "AUTO")).toEqual(["SMALL_BOUNDING_BOX"]);
  });
});
