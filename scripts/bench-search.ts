/**
 * Face search figures for `npm run bench` (run in a process of its own, so that its large
 * collections do not count in the other sections' RSS; also `tsx scripts/bench-search.ts
 * --sizes 1000,1000000` alone):
 *
 *   SearchFacesByImage   p50/p99 through the SDK, a fixture selfie against a collection of N
 *                        faces (FaceMatchThreshold 90, MaxFaces 5), at 1k, 10k, 100k and 1M
 *   store search alone   p50 of the store's search with no HTTP and no image, in the fixture
 *                        space (the selfie's face) and in the model space (synthetic
 *                        descriptors, FaceMatchThreshold 80)
 *   IndexFaces p50       through the SDK into the largest collection (new faces each call)
 *   journal replay       the stack restarted on its data directory with the largest collection:
 *                        until it listens, and until its first search answers
 *   memory               RSS added by the faces, and per 1M faces
 *
 * The N faces are loaded through the store directly (addFaces, in batches, journalled as
 * IndexFaces journals them), not through IndexFaces: at 1M faces that would take an hour of
 * image analysis. The fixture personas' documents are indexed through the API, so that each
 * search finds its persona among the N.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CreateCollectionCommand, DeleteCollectionCommand, IndexFacesCommand, RekognitionClient, SearchFacesByImageCommand } from "@aws-sdk/client-rekognition";
import { startStack, type Stack } from "../server/stack.js";
import { fixtureImages, readFixture } from "../server/faces/fixtures.js";
import { sniffImage } from "../server/faces/image.js";
import { modelSimilarity, similarity as fixtureSimilarity } from "../server/faces/similarity.js";
import type { RekognitionService } from "../server/rekognition/index.js";
import type { NewFace } from "../server/rekognition/store.js";
import { line, ms, percentile, timed } from "./bench-tools.js";
import { xorshift32 } from "../test/support/random.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const REGION = "us-east-1";

/** Seeded xorshift32 normals, fast enough to make a million 128-value faces in seconds. */
function normals(seed: number): () => number {
  const next = xorshift32(seed);
  const uniform = () => (next() + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Synthetic faces of N different people. Fixture space: random unit vectors (different
 * personas are orthogonal there). Model space: descriptors around a common mean, people about
 * 0.75 apart (face-api's strangers measure 0.47-0.93), so a fraction of a percent of them fall
 * within FaceMatchThreshold 80 of any query, as strangers do with a real descriptor net.
 */
function syntheticFace(next: () => number, dim: number, space: "fixture" | "model", mean: Float32Array): Float32Array {
  const v = new Float32Array(dim);
  if (space === "fixture") {
    let n = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = next();
      n += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < dim; i++) v[i]! *= inv;
  } else {
    for (let i = 0; i < dim; i++) v[i] = mean[i]! + next() * 0.047;
  }
  return v;
}

const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function fill(stack: Stack, service: RekognitionService, collectionId: string, size: number, space: "fixture" | "model", mean: Float32Array, seed: number): Promise<number> {
  const next = normals(seed);
  const dim = mean.length;
  const started = performance.now();
  const batch = 10_000;
  for (let start = 0; start < size; start += batch) {
    const faces: NewFace[] = [];
    for (let n = start; n < Math.min(size, start + batch); n++) {
      faces.push({
        face: {
          faceId: stack.app.core.ids.uuid(),
          imageId: stack.app.core.ids.uuid(),
          externalImageId: `synthetic-${n}`,
          boundingBox: { Width: 0.3, Height: 0.4, Left: 0.35, Top: 0.2 },
          confidence: 99.9,
          indexFacesModelVersion: "7.0",
          space,
        },
        embedding: syntheticFace(next, dim, space, mean),
      });
    }
    service.store.addFaces(stack.app.core.accountId, REGION, collectionId, faces);
    // Let the event loop breathe between batches (the journal's writes, the stack's timers).
    await new Promise((r) => setImmediate(r));
  }
  return performance.now() - started;
}

export async function benchSearch(sizes: number[], quick: boolean): Promise<void> {
  // A data directory (removed at the end), so that the largest collection's journal can be replayed by a restart.
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-bench-search-"));
  let stack = await startStack({ dataDir, ephemeral: false });
  try {
    let rekognition = new RekognitionClient({ endpoint: stack.endpoint, region: REGION, credentials });
    let service = stack.app.components.find((c) => c.name === "rekognition") as unknown as RekognitionService;
    const { accountId } = stack.app.core;
    const documents = fixtureImages({ kind: "document" });
    const selfies = fixtureImages({ kind: "selfie" });
    const faceOf = async (bytes: Buffer) => (await service.engine.analyze(bytes, sniffImage(bytes)!)).faces[0]!.embedding;
    const selfieFaces = await Promise.all(selfies.map((s) => faceOf(readFixture(s))));
    const dim = selfieFaces[0]!.length;
    const next = normals(7);
    // The model space's people gather around a mean, as a descriptor net's do.
    const mean = Float32Array.from({ length: dim }, () => next() * 0.05);
    const modelQueries = Array.from({ length: 10 }, () => syntheticFace(next, dim, "model", mean));
    process.stdout.write("(the N faces of each collection are loaded through the store directly, not through IndexFaces)\n");

    for (const size of sizes) {
      const id = `bench-${size}`;
      await rekognition.send(new CreateCollectionCommand({ CollectionId: id }));
      settle();
      const rssBefore = rssMiB();
      const fillMs = await fill(stack, service, id, size, "fixture", mean, size);
      settle();
      const rssAdded = rssMiB() - rssBefore;
      for (const doc of documents) {
        await rekognition.send(new IndexFacesCommand({ CollectionId: id, Image: { Bytes: readFixture(doc) }, ExternalImageId: doc.persona!, MaxFaces: 1 }));
      }
      const searches = quick ? 40 : 200;
      const times: number[] = [];
      let found = 0;
      for (let i = -5; i < searches; i++) {
        const selfie = selfies[(i + selfies.length * 2) % selfies.length]!;
        const bytes = readFixture(selfie);
        let matches = 0;
        const t = await timed(async () => {
          const out = await rekognition.send(new SearchFacesByImageCommand({ CollectionId: id, Image: { Bytes: bytes }, FaceMatchThreshold: 90, MaxFaces: 5 }));
          matches = out.FaceMatches?.length ?? 0;
        });
        if (i < 0) continue; // warm-up
        times.push(t);
        if (matches) found++;
      }
      const kernels = service.store.searchKernels();
      line(
        `SearchFacesByImage p50 / p99 @ ${size.toLocaleString("en")} faces`,
        `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}  (${searches} searches, ${found} found their persona; fill ${(fillMs / 1000).toFixed(1)} s${kernels.fixture === "wasm" ? "" : `; kernel ${kernels.fixture}`})`,
      );

      const alone: number[] = [];
      for (let i = 0; i < (quick ? 40 : 100); i++) {
        const q = selfieFaces[i % selfieFaces.length]!;
        const t = performance.now();
        service.store.search(accountId, REGION, id, q, fixtureSimilarity, 90, 5, undefined, "fixture");
        alone.push(performance.now() - t);
      }
      // Per 1M only from 100k faces up: below that the heap's own growth steps dominate.
      const memory = size >= 100_000 ? `RSS +${rssAdded.toFixed(0)} MiB for the faces: ${((rssAdded / size) * 1e6).toFixed(0)} MiB per 1M` : `RSS +${rssAdded.toFixed(0)} MiB`;
      line(`  store search alone, fixture space`, `${ms(percentile(alone, 50))} p50  (${memory})`);

      if (size === sizes[sizes.length - 1]) {
        // IndexFaces into the full collection: each call a new face (a new ExternalImageId), journalled.
        const index: number[] = [];
        const calls = quick ? 30 : 100;
        for (let i = 0; i < calls; i++) {
          const doc = documents[i % documents.length]!;
          index.push(
            await timed(() => rekognition.send(new IndexFacesCommand({ CollectionId: id, Image: { Bytes: readFixture(doc) }, ExternalImageId: `again-${i}`, MaxFaces: 1 }))),
          );
        }
        line(`IndexFaces p50 / p99 into ${size.toLocaleString("en")} faces`, `${ms(percentile(index, 50))} / ${ms(percentile(index, 99))}  (${calls} calls)`);

        // The journal replayed: the stack restarted on its data directory, until a search answers.
        await stack.close();
        const journalMB = statSync(join(dataDir, "rekognition.jsonl")).size / 1e6;
        const restarted = performance.now();
        stack = await startStack({ dataDir, ephemeral: false });
        const listening = performance.now() - restarted;
        rekognition = new RekognitionClient({ endpoint: stack.endpoint, region: REGION, credentials });
        service = stack.app.components.find((c) => c.name === "rekognition") as unknown as RekognitionService;
        const selfie = readFixture(selfies[0]!);
        const answered = await rekognition.send(new SearchFacesByImageCommand({ CollectionId: id, Image: { Bytes: selfie }, FaceMatchThreshold: 90, MaxFaces: 5 }));
        if (!answered.FaceMatches?.length) throw new Error("the restarted stack did not find the persona");
        line(
          `restart with ${size.toLocaleString("en")} faces journalled`,
          `${(listening / 1000).toFixed(1)} s to listening, ${((performance.now() - restarted) / 1000).toFixed(1)} s to its first search  (journal ${journalMB.toFixed(0)} MB)`,
        );
      }
      await rekognition.send(new DeleteCollectionCommand({ CollectionId: id }));

      // The model space: the engine's euclidean mapping, with strangers as close as a real net's.
      const modelId = `bench-model-${size}`;
      await rekognition.send(new CreateCollectionCommand({ CollectionId: modelId }));
      await fill(stack, service, modelId, size, "model", mean, size + 1);
      const model: number[] = [];
      let hits = 0;
      for (let i = 0; i < (quick ? 40 : 100); i++) {
        const t = performance.now();
        hits += service.store.search(accountId, REGION, modelId, modelQueries[i % modelQueries.length]!, modelSimilarity, 80, 5, undefined, "model").length;
        model.push(performance.now() - t);
      }
      line(`  store search alone, model space`, `${ms(percentile(model, 50))} p50  (${(hits / model.length).toFixed(1)} matches a search at FaceMatchThreshold 80)`);
      await rekognition.send(new DeleteCollectionCommand({ CollectionId: modelId }));
    }
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("bench-search.ts")) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, sizes: { type: "string" } } });
  const sizes = (values.sizes ?? (values.quick ? "1000,10000" : "1000,10000,100000,1000000")).split(",").map(Number);
  benchSearch(sizes, values.quick).catch((error: unknown) => {
    process.stderr.write(`bench-search failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
