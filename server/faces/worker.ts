import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { DetectedFace } from "./engine.js";
import { sniffImage } from "./image.js";
import { loadModel, type LoadedModel } from "./model.js";
import { findNearCopy, NearCopyReference } from "./near-copy.js";
import { decodeImage, MAX_ANALYSIS_SIDE, scaleDown } from "./pixels.js";

/**
 * The face analysis worker (started by analyzer.ts through analysis-worker.mjs). Messages:
 *
 *   in:  { type: "load", model }                            read the fixture pictures (and load the
 *                                                           model) now, in the background
 *        { type: "analyze", id, bytes, model, attributes }  decode, look for a near-copy of a
 *                                                           fixture, then (model: true) run the nets
 *   out: { type: "model", state: "loaded", loadMs, versions } | { type: "model", state: "failed", reason }
 *        { type: "result", id, width, height, nearCopy?, faces?, ms }
 *        { type: "error", id, message }
 *
 * workerData: { references: { sha256, path }[] }, the fixture images a near-copy is matched against.
 */
export interface WorkerReference {
  sha256: string;
  path: string;
}

export interface AnalyzeRequest {
  type: "analyze";
  id: number;
  bytes: Uint8Array;
  model: boolean;
  attributes: boolean;
}

export interface AnalyzeResult {
  type: "result";
  id: number;
  /** The upright image's size (after EXIF orientation). */
  width: number;
  height: number;
  nearCopy?: { sha256: string; score: number; runnerUp: number; mirrored: boolean };
  /** The bytes looked like a JPEG or PNG but did not decode (why, for the log). */
  undecodable?: string;
  /** The model was asked for but could not load (why): no faces, said plainly, not a fault. */
  modelFailed?: string;
  faces?: DetectedFace[];
  ms: { decode: number; match: number; model?: number };
}

export type WorkerOut =
  | { type: "model"; state: "loaded"; loadMs: number; versions: LoadedModel["versions"] }
  | { type: "model"; state: "failed"; reason: string }
  | AnalyzeResult
  | { type: "error"; id: number; message: string };

const port = parentPort!;
const { references: referenceList } = workerData as { references: WorkerReference[] };
const post = (message: WorkerOut) => port.postMessage(message);

let references: { sha256: string; reference: NearCopyReference }[] | undefined;
function loadReferences() {
  references ??= referenceList.flatMap(({ sha256, path }) => {
    try {
      const bytes = readFileSync(path);
      if (!sniffImage(bytes)) return []; // the corrupt and not-an-image cases
      return [{ sha256, reference: new NearCopyReference(decodeImage(bytes)) }];
    } catch {
      return [];
    }
  });
  return references;
}

let model: Promise<LoadedModel> | undefined;
/** `ahead`: loading before any photo needs it (a `load` message), so the nets are warmed up too. */
function modelLoading(ahead = false): Promise<LoadedModel> {
  if (!model) {
    model = loadModel({ warmUp: ahead });
    model.then(
      (m) => post({ type: "model", state: "loaded", loadMs: m.loadMs, versions: m.versions }),
      (error: unknown) => post({ type: "model", state: "failed", reason: error instanceof Error ? error.message : String(error) }),
    );
  }
  return model;
}

// One request at a time, in order: the nets are not re-entrant, and 2 cores are shared anyway.
let queue: Promise<void> = Promise.resolve();
port.on("message", (message: { type: "load"; model: boolean } | AnalyzeRequest) => {
  if (message.type === "load") {
    // The fixture pictures too (a few dozen small decodes), so the first photo does not wait for them.
    queue = queue.then(() => void loadReferences());
    if (message.model) modelLoading(true).catch(() => {});
    return;
  }
  queue = queue.then(() => analyze(message)).catch((error: unknown) => {
    post({ type: "error", id: message.id, message: error instanceof Error ? error.message : String(error) });
  });
});

async function analyze(request: AnalyzeRequest): Promise<void> {
  const t0 = performance.now();
  let decoded;
  try {
    decoded = decodeImage(Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength), { minSide: MAX_ANALYSIS_SIDE });
  } catch (error) {
    post({ type: "result", id: request.id, width: 0, height: 0, undecodable: error instanceof Error ? error.message : String(error), ms: { decode: Math.round(performance.now() - t0), match: 0 } });
    return;
  }
  const { image } = scaleDown(decoded);
  const t1 = performance.now();
  const refs = loadReferences();
  const match = findNearCopy(image, refs.map((r) => r.reference));
  const t2 = performance.now();
  const result: AnalyzeResult = {
    type: "result",
    id: request.id,
    width: decoded.fullWidth,
    height: decoded.fullHeight,
    ms: { decode: Math.round(t1 - t0), match: Math.round(t2 - t1) },
  };
  if (match) {
    result.nearCopy = { sha256: refs[match.index]!.sha256, score: match.score, runnerUp: match.runnerUp, mirrored: match.mirrored };
  } else if (request.model) {
    let nets: LoadedModel | undefined;
    try {
      nets = await modelLoading();
    } catch (error) {
      result.modelFailed = error instanceof Error ? error.message : String(error);
    }
    if (nets) {
      result.faces = await nets.analyze(image, { attributes: request.attributes });
      result.ms.model = Math.round(performance.now() - t2);
    }
  }
  post(result);
}
