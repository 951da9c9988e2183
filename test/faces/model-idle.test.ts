import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../server/core/logger.js";
import { createFaceEngine, DEFAULT_MODEL_IDLE_SECONDS, modelIdleSeconds } from "../../server/faces/composed-engine.js";
import { sniffImage } from "../../server/faces/image.js";
import { modelPackagesMissing } from "../../server/faces/model.js";
import { ManualTimers } from "../../server/core/timers.js";
import { encodeJpeg, decodePhoto, missingPhotos, readPhoto, scale } from "./photos.js";

// The model is given back when idle, as Lambda reclaims an idle environment: the analysis
// worker (and the nets' memory in it) ends after the idle period, and the next real photo loads
// the model again with the same answers. The idle period runs on injected timers: no waiting.

const missing = [...modelPackagesMissing().map((p) => `${p} (optional dependency: npm ci)`), ...missingPhotos(["webcamA"])];
if (missing.length) console.log(`[skip] the model's idle unload: not installed: ${missing.join("; ")}`);

describe("the idle period's setting", () => {
  it("is the option, else REKOGNITO_FACE_MODEL_IDLE_SECONDS, else 300 s as Lambda's; 0 keeps the model for good", () => {
    expect(DEFAULT_MODEL_IDLE_SECONDS).toBe(300);
    expect(modelIdleSeconds(undefined, {})).toBe(300);
    expect(modelIdleSeconds(undefined, { REKOGNITO_FACE_MODEL_IDLE_SECONDS: "60" })).toBe(60);
    expect(modelIdleSeconds(undefined, { REKOGNITO_FACE_MODEL_IDLE_SECONDS: "0" })).toBe(0);
    expect(modelIdleSeconds(undefined, { REKOGNITO_FACE_MODEL_IDLE_SECONDS: "soon" })).toBe(300);
    expect(modelIdleSeconds(5, { REKOGNITO_FACE_MODEL_IDLE_SECONDS: "60" })).toBe(5);
  });

  it("npm start refuses a --face-model-idle-seconds that is not a whole number, saying why", () => {
    const run = spawnSync(process.execPath, ["bin/rekognito.js", "--ephemeral", "--bare", "--face-model-idle-seconds", "soon"], { encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("--face-model-idle-seconds must be a whole number of seconds (0 for never), got soon");
  });
});

describe.skipIf(missing.length > 0)("the model engine when idle", () => {
  const timers = new ManualTimers();
  const engine = createFaceEngine({ mode: "auto", logger: silentLogger, timers, modelIdleSeconds: 60 });
  afterAll(() => engine.close!());
  const model = () => (engine.health() as { model: { state: string; reason?: string } }).model;
  const analyse = (bytes: Buffer) => engine.analyze(bytes, sniffImage(bytes)!);

  it("stays loaded while used, is unloaded after 60 s with nothing to do, and answers the same once loaded again", async () => {
    const first = await analyse(readPhoto("webcamA"));
    expect(first.faces).toHaveLength(1);
    expect(model().state).toBe("loaded");

    timers.advance(59_000);
    expect(model().state).toBe("loaded");
    // Used again: the idle period starts over.
    const smaller = encodeJpeg(scale(decodePhoto("webcamA"), 0.8), 90);
    expect((await analyse(smaller)).faces).toHaveLength(1);
    timers.advance(59_000);
    expect(model().state).toBe("loaded");

    timers.advance(2_000);
    expect(model()).toEqual({ state: "not-loaded", reason: "unloaded after 60 s idle; the next real photo loads it again" });
    expect(timers.size).toBe(0);

    // A photo not seen before (a cached one is answered without the model) loads it again; and
    // the first photo, re-encoded the same way in another worker, gives the same face.
    const again = await analyse(encodeJpeg(decodePhoto("webcamA"), 91));
    expect(model().state).toBe("loaded");
    expect(again.faces).toHaveLength(1);
    const reference = createFaceEngine({ mode: "auto", logger: silentLogger, modelIdleSeconds: 0 });
    try {
      const bytes = encodeJpeg(decodePhoto("webcamA"), 91);
      expect((await reference.analyze(bytes, sniffImage(bytes)!)).faces).toEqual(again.faces);
    } finally {
      await reference.close!();
    }
  });
});
