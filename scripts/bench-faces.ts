/**
 * The face engines' figures for `npm run bench` (also `tsx scripts/bench-faces.ts` alone):
 *
 *   model load           from warm() to the nets loaded in the analysis worker
 *   RSS                  of the process before and with the model loaded (worker threads included)
 *   per-photo time       p50/p90 of engine.analyze on distinct one-face photos (webcam frames,
 *                        portraits and copies of them), wall clock and the process's CPU time,
 *                        each analysed once, with the load average beside it
 *   where the time goes  the analysis worker's own p50s for the same photos (run last): decoding
 *                        (and EXIF, scaling down), the near-copy match against the fixtures, the nets
 *   near-copy time       a camera's capture of a fixture selfie, recognised as its persona
 *   error rates          false accepts and false rejects at FaceMatchThreshold 80, 90 and 95 on
 *                        the packaged photographs (test/faces/photos.ts): genuine pairs are one
 *                        person's two webcam frames and each photo against copies of it;
 *                        impostor pairs are the faces within one group photo, and people of
 *                        different sources (the webcam woman, the portraits, the group photos)
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { silentLogger } from "../server/core/logger.js";
import { FaceAnalyzer } from "../server/faces/analyzer.js";
import { createFaceEngine } from "../server/faces/composed-engine.js";
import type { DetectedFace, FaceEngine } from "../server/faces/engine.js";
import { createFixtureEngine } from "../server/faces/fixture-engine.js";
import { fixtureImage } from "../server/faces/fixtures.js";
import { sniffImage } from "../server/faces/image.js";
import { modelPackagesMissing } from "../server/faces/model.js";
import { decodeImage, type RgbImage } from "../server/faces/pixels.js";
import { euclidean, similarityFromDistance } from "../server/faces/similarity.js";
import { brightness, cameraCapture, decodePhoto, encodeJpeg, missingPhotos, mirror, readPhoto, scale, type PhotoName } from "../test/faces/photos.js";
import { line, ms, percentile } from "./bench-tools.js";

const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;
const THRESHOLDS = [80, 90, 95];

/** Wall time, and the process's CPU time (the analysis worker's, since the main thread only waits). */
async function analyse(engine: FaceEngine, bytes: Buffer): Promise<{ faces: DetectedFace[]; ms: number; cpuMs: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const analysis = await engine.analyze(bytes, sniffImage(bytes)!);
  const used = process.cpuUsage(cpu);
  return { faces: analysis.faces, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
}

/** Copies of a photo that are the same person: mirrored, smaller and re-encoded, brighter, darker. */
function copiesOf(image: RgbImage): [string, Buffer][] {
  return [
    ["mirrored", encodeJpeg(mirror(image), 90)],
    ["0.6x, JPEG 70", encodeJpeg(scale(image, 0.6), 70)],
    ["30% brighter", encodeJpeg(brightness(image, 1.3), 90)],
    ["30% darker", encodeJpeg(brightness(image, 0.7), 90)],
  ];
}

/** `quick` (npm run bench -- --quick): two copies of each photo and two near-copies, instead of four and five. */
export async function benchFaces(quick = false): Promise<void> {
  const missing = [...modelPackagesMissing(), ...missingPhotos(["webcamA", "webcamB", "man", "group3", "group5", "fourPeople"])];
  if (missing.length) {
    line("model engine", `skipped: not installed: ${missing.join("; ")}`);
    return;
  }
  const before = rssMiB();
  const onePhotos: Buffer[] = [];
  const engine = createFaceEngine({ mode: "auto", logger: silentLogger });
  try {
    const loadStarted = performance.now();
    engine.warm!();
    while ((engine.health() as { model: { state: string } }).model.state === "loading") await new Promise((r) => setTimeout(r, 10));
    const model = (engine.health() as { model: { state: string; loadMs?: number } }).model;
    line("model load (warm() to nets loaded, in the worker)", `${ms(performance.now() - loadStarted)} (worker's own: ${model.loadMs} ms)`);
    line("RSS before / with the model loaded", `${before.toFixed(0)} / ${rssMiB().toFixed(0)} MiB`);

    // Per-photo time: distinct one-face photos (each analysed once; the cache would answer a repeat).
    const singles: PhotoName[] = ["webcamA", "webcamB", "man"];
    const times: number[] = [];
    const cpuTimes: number[] = [];
    const faceOf = new Map<string, DetectedFace>();
    const genuine: { pair: string; d: number }[] = [];
    for (const name of singles) {
      const original = await analyse(engine, readPhoto(name));
      onePhotos.push(readPhoto(name));
      times.push(original.ms);
      cpuTimes.push(original.cpuMs);
      faceOf.set(name, original.faces[0]!);
      for (const [label, bytes] of copiesOf(decodePhoto(name)).slice(0, quick ? 2 : undefined)) {
        onePhotos.push(bytes);
        const copy = await analyse(engine, bytes);
        times.push(copy.ms);
        cpuTimes.push(copy.cpuMs);
        if (copy.faces.length !== 1) {
          line(`  ${name} ${label}`, `${copy.faces.length} faces found (expected 1): counted as a false reject`);
          genuine.push({ pair: `${name} ~ ${label}`, d: Infinity });
          continue;
        }
        genuine.push({ pair: `${name} ~ ${label}`, d: euclidean(original.faces[0]!.embedding, copy.faces[0]!.embedding) });
      }
    }
    genuine.push({ pair: "webcamA ~ webcamB (independent frames)", d: euclidean(faceOf.get("webcamA")!.embedding, faceOf.get("webcamB")!.embedding) });
    line("per-photo time, one face, p50 / p90", `${ms(percentile(times, 50))} / ${ms(percentile(times, 90))}  (${times.length} photos, 350-824 px)`);
    line("per-photo CPU time, one face, p50 / p90", `${ms(percentile(cpuTimes, 50))} / ${ms(percentile(cpuTimes, 90))}  (load average now ${loadavg()[0]!.toFixed(1)} on ${(await import("node:os")).cpus().length} cores)`);

    const groups: [PhotoName, DetectedFace[]][] = [];
    for (const name of ["group3", "group5", "fourPeople"] as const) {
      const analysed = await analyse(engine, readPhoto(name));
      line(`  ${name}: ${analysed.faces.length} faces`, ms(analysed.ms));
      groups.push([name, analysed.faces.filter((f) => f.confidence >= 80)]);
    }

    // The fixture engine's near-copy path, through the same worker.
    const ana = decodeImage(readFileSync(fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-1.jpg" }).path));
    const nearTimes: number[] = [];
    for (const [w, h] of ([[640, 480], [800, 600], [1280, 720], [960, 720], [1024, 768]] as const).slice(0, quick ? 2 : undefined)) nearTimes.push((await analyse(engine, cameraCapture(ana, w, h))).ms);
    line("fixture near-copy (camera capture of a selfie) p50", ms(percentile(nearTimes, 50)));

    // Impostor pairs: within a group photo; and across sources (the webcam woman, the man, the groups).
    const impostor: number[] = [];
    for (const [, faces] of groups) {
      for (let i = 0; i < faces.length; i++) for (let j = i + 1; j < faces.length; j++) impostor.push(euclidean(faces[i]!.embedding, faces[j]!.embedding));
    }
    const others = groups.flatMap(([, faces]) => faces);
    for (const single of [faceOf.get("webcamA")!, faceOf.get("webcamB")!, faceOf.get("man")!]) {
      for (const f of others) impostor.push(euclidean(single.embedding, f.embedding));
    }
    for (const w of [faceOf.get("webcamA")!, faceOf.get("webcamB")!]) impostor.push(euclidean(w.embedding, faceOf.get("man")!.embedding));

    const sim = (d: number) => (Number.isFinite(d) ? similarityFromDistance(d) : 0);
    const finite = genuine.filter((g) => Number.isFinite(g.d)).map((g) => g.d);
    const sortedImpostor = [...impostor].sort((a, b) => a - b);
    line("descriptor distance, same person (copies)", `${Math.min(...finite).toFixed(3)}-${Math.max(...finite.slice(0, -1)).toFixed(3)}`);
    line("descriptor distance, same person (two webcam frames)", genuine[genuine.length - 1]!.d.toFixed(3));
    line("descriptor distance, different people", `min ${sortedImpostor[0]!.toFixed(3)}, p5 ${percentile(sortedImpostor, 5).toFixed(3)}, median ${percentile(sortedImpostor, 50).toFixed(3)} (${impostor.length} pairs)`);
    for (const t of THRESHOLDS) {
      const falseAccepts = impostor.filter((d) => sim(d) >= t).length;
      const falseRejects = genuine.filter((g) => sim(g.d) < t);
      line(
        `FaceMatchThreshold ${t}: false accepts / false rejects`,
        `${((100 * falseAccepts) / impostor.length).toFixed(1)}% (${falseAccepts}/${impostor.length}) / ${((100 * falseRejects.length) / genuine.length).toFixed(1)}% (${falseRejects.length}/${genuine.length})${falseRejects.length && falseRejects.length <= 3 ? `: ${falseRejects.map((g) => g.pair).join(", ")}` : ""}`,
      );
    }
    line("RSS after the model bench", `${rssMiB().toFixed(0)} MiB`);
  } finally {
    await engine.close!();
  }
  await whereTheTimeGoes(onePhotos);
}

/**
 * The same one-face photos through an analysis worker of its own (no cache), for the worker's
 * own timings of each stage (wall clock); a second model loads for it, so it runs last.
 */
async function whereTheTimeGoes(photos: Buffer[]): Promise<void> {
  const references = createFixtureEngine().images().map((i) => ({ sha256: i.sha256, path: i.path }));
  const analyzer = new FaceAnalyzer(references, silentLogger);
  try {
    analyzer.load(true);
    while (analyzer.model.state === "loading") await new Promise((r) => setTimeout(r, 10));
    const stages = { decode: [] as number[], match: [] as number[], nets: [] as number[] };
    for (const bytes of photos) {
      const { ms: taken } = await analyzer.analyze(bytes, { model: true, attributes: false });
      stages.decode.push(taken.decode);
      stages.match.push(taken.match);
      stages.nets.push(taken.model ?? 0);
    }
    const p50 = (v: number[]) => ms(percentile(v, 50));
    line("per-photo time in the worker, p50: decode / near-copy match / nets", `${p50(stages.decode)} / ${p50(stages.match)} / ${p50(stages.nets)}  (load ${loadavg()[0]!.toFixed(1)})`);
  } finally {
    await analyzer.close();
  }
}

if (process.argv[1]?.endsWith("bench-faces.ts")) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  benchFaces().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
