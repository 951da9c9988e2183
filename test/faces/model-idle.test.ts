import { spawnSync } from "node:child_process";
import { DetectFacesCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../server/core/logger.js";
import { ManualTimers } from "../../server/core/timers.js";
import { createFaceEngine, DEFAULT_MODEL_IDLE_SECONDS } from "../../server/faces/composed-engine.js";
import { modelPackagesMissing } from "../../server/faces/model.js";
import { startStack, type Stack } from "../../server/stack.js";
import { sdkConfig } from "../support/clients.js";
import { decodePhoto, encodeJpeg, missingPhotos, readPhoto, scale } from "./photos.js";

// The model is given back when idle, as Lambda reclaims an idle environment: the analysis
// worker (and the nets' memory in it) ends after the idle period, and the next real photo loads
// the model again with the same answers. The idle period runs on injected timers: no waiting.

const missing = [...modelPackagesMissing().map((p) => `${p} (optional dependency: npm ci)`), ...missingPhotos(["webcamA"])];
if (missing.length) console.log(`[skip] the model's idle unload: not installed: ${missing.join("; ")}`);

describe("the idle period's setting", () => {
  it("is 300 s by default, as Lambda keeps an idle environment", () => {
    expect(DEFAULT_MODEL_IDLE_SECONDS).toBe(300);
  });

  it("npm start refuses a --face-model-idle-seconds (or its variable) that is not a whole number of seconds, saying why", () => {
    const start = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ["bin/rekognito.js", "--ephemeral", "--bare", ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
    const flag = start(["--face-model-idle-seconds", "soon"]);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain("--face-model-idle-seconds must be a whole number of at least 0, got soon");
    const variable = start([], { REKOGNITO_FACE_MODEL_IDLE_SECONDS: "-5" });
    expect(variable.status).toBe(1);
    expect(variable.stderr).toContain("--face-model-idle-seconds must be a whole number of at least 0, got -5");
  });
});

describe.skipIf(missing.length > 0)("the model engine when idle, through Rekognition", () => {
  const timers = new ManualTimers();
  let stack: Stack;
  let rekognition: RekognitionClient;
  beforeAll(async () => {
    stack = await startStack({ faceEngine: createFaceEngine({ mode: "auto", logger: silentLogger, timers, modelIdleSeconds: 60 }) });
    rekognition = new RekognitionClient(sdkConfig(stack.endpoint));
  });
  afterAll(async () => {
    rekognition?.destroy();
    await stack?.close();
  });
  const model = async () => {
    const health = (await (await fetch(`${stack.endpoint}/_rekognito/health`)).json()) as { services: { rekognition: { faceEngine: { model: { state: string; reason?: string } } } } };
    return health.services.rekognition.faceEngine.model;
  };
  const detect = async (bytes: Buffer) => (await rekognition.send(new DetectFacesCommand({ Image: { Bytes: bytes } }))).FaceDetails ?? [];

  it("stays loaded while used, is unloaded after 60 s with nothing to do, and answers the same once loaded again", async () => {
    const first = await detect(readPhoto("webcamA"));
    expect(first).toHaveLength(1);
    expect((await model()).state).toBe("loaded");

    timers.advance(59_000);
    expect((await model()).state).toBe("loaded");
    // Used again: the idle period starts over.
    expect(await detect(encodeJpeg(scale(decodePhoto("webcamA"), 0.8), 90))).toHaveLength(1);
    timers.advance(59_000);
    expect((await model()).state).toBe("loaded");

    timers.advance(2_000);
    expect(await model()).toEqual({ state: "not-loaded", reason: "unloaded after 60 s idle; the next real photo loads it again" });
    expect(timers.size).toBe(0);

    // A photo not seen before (a cached one is answered without the model) loads it again, and
    // gives what a stack that never unloaded gives for it.
    const bytes = encodeJpeg(decodePhoto("webcamA"), 91);
    const again = await detect(bytes);
    expect((await model()).state).toBe("loaded");
    const reference = await startStack({ faceEngine: createFaceEngine({ mode: "auto", logger: silentLogger, modelIdleSeconds: 0 }) });
    const client = new RekognitionClient(sdkConfig(reference.endpoint));
    try {
      expect(await client.send(new DetectFacesCommand({ Image: { Bytes: bytes } }))).toMatchObject({ FaceDetails: again });
    } finally {
      client.destroy();
      await reference.close();
    }
  });
});
