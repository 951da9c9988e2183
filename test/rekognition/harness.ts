import { cryptoKeys } from "../../server/core/keys.js";
import { createHash } from "node:crypto";
import Fastify from "fastify";
import { PNG } from "pngjs";
import { RekognitionClient } from "@aws-sdk/client-rekognition";
import { ManualClock } from "../../server/core/clock.js";
import { seededIds } from "../../server/core/ids.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { ephemeralPersistence, filePersistence } from "../../server/core/persistence.js";
import type { CoreServices } from "../../server/core/services.js";
import { StackEvents } from "../../server/core/events.js";
import type { DetectedFace, FaceAnalysis, FaceEngine, ImageInfo } from "../../server/faces/engine.js";
import { similarity } from "../../server/faces/similarity.js";
import { JsonGateway } from "../../server/protocol/json.js";
import { createRekognition, type RekognitionService } from "../../server/rekognition/index.js";
import type { ObjectReader, StoredObject } from "../../server/storage/object-reader.js";
import { sdkConfig } from "../support/clients.js";

/**
 * A small stand-in engine for Rekognition's own tests: images are registered with their faces,
 * and recognised by the sha256 of their bytes, like the fixture engine. Embeddings are built
 * from a "person" seed so that tests choose who resembles whom.
 */
export class FakeEngine implements FaceEngine {
  readonly name = "fake";
  private readonly images = new Map<string, DetectedFace[]>();
  analyzeCalls = 0;

  register(bytes: Buffer, faces: DetectedFace[]): Buffer {
    this.images.set(createHash("sha256").update(bytes).digest("hex"), faces);
    return bytes;
  }

  async analyze(bytes: Buffer, image: ImageInfo): Promise<FaceAnalysis> {
    this.analyzeCalls++;
    const faces = this.images.get(createHash("sha256").update(bytes).digest("hex"));
    return { image, faces: faces ? structuredClone(faces) : [], recognised: faces !== undefined };
  }

  similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return similarity(a, b);
  }

  health() {
    return { engine: "fake", images: this.images.size };
  }
}

/** A deterministic unit vector for a person (128-d), from a seed string. */
export function personVector(seed: string, dim = 128): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  let counter = 0;
  while (out.length < dim) {
    if (block.length < 4) block = createHash("sha256").update(`${seed}:${counter++}`).digest();
    out.push(block.readInt32LE(0) / 2 ** 31);
    block = block.subarray(4);
  }
  const norm = Math.hypot(...out);
  return out.map((x) => x / norm);
}

/** A vector whose cosine with `base` is exactly `cos` (mixing in an orthogonal direction). */
export function resembling(base: number[], cos: number, seed: string): number[] {
  const other = personVector(seed, base.length);
  const dot = other.reduce((s, x, i) => s + x * base[i]!, 0);
  const ortho = other.map((x, i) => x - dot * base[i]!);
  const n = Math.hypot(...ortho);
  const sin = Math.sqrt(1 - cos * cos);
  return base.map((x, i) => cos * x + (sin * ortho[i]!) / n);
}

export function face(embedding: number[], box: Partial<DetectedFace["boundingBox"]> = {}, extra: Partial<DetectedFace> = {}): DetectedFace {
  return {
    boundingBox: { Width: 0.3, Height: 0.4, Left: 0.35, Top: 0.2, ...box },
    confidence: 99.9,
    landmarks: [
      { Type: "eyeLeft", X: 0.45, Y: 0.3 },
      { Type: "eyeRight", X: 0.55, Y: 0.3 },
      { Type: "nose", X: 0.5, Y: 0.4 },
      { Type: "mouthLeft", X: 0.46, Y: 0.5 },
      { Type: "mouthRight", X: 0.54, Y: 0.5 },
      { Type: "leftPupil", X: 0.45, Y: 0.3 },
    ],
    pose: { Roll: 0, Yaw: 0, Pitch: 0 },
    quality: { Brightness: 80, Sharpness: 90 },
    embedding,
    attributes: { smile: { Value: true, Confidence: 97 }, faceOccluded: { Value: false, Confidence: 99 } },
    ...extra,
  };
}

let pngCounter = 0;
let harnessCount = 0;
/** A distinct, valid PNG each call (a different pixel value), 200x160 unless told. */
export function uniquePng(width = 200, height = 160): Buffer {
  const png = new PNG({ width, height });
  const n = ++pngCounter;
  png.data.fill(0);
  png.data.writeUInt32BE(n, 0);
  return PNG.sync.write(png);
}

export class MemoryObjects implements ObjectReader {
  readonly objects = new Map<string, StoredObject>();
  put(bucket: string, key: string, body: Buffer): void {
    this.objects.set(`${bucket}/${key}`, { body, contentType: "image/png", etag: "x", lastModified: 0, metadata: {} });
  }
  async readObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    return this.objects.get(`${bucket}/${key}`);
  }
}

export interface Harness {
  endpoint: string;
  client: RekognitionClient;
  engine: FakeEngine;
  objects: MemoryObjects;
  service: RekognitionService;
  logger: MemoryLogger;
  clock: ManualClock;
  close(): Promise<void>;
}

/**
 * Rekognition alone behind the real JSON gateway, with a fake engine and in-memory objects,
 * driven by the real SDK client. For the behaviours that need faces the fixtures do not have.
 */
export async function startRekognition(options: { dataDir?: string; engine?: FakeEngine; objects?: MemoryObjects; clock?: ManualClock } = {}): Promise<Harness> {
  const logger = new MemoryLogger();
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const core: CoreServices = {
    clock,
    ids: seededIds(`rekognition-test-${++harnessCount}`),
    keys: cryptoKeys,
    logger,
    persistence: options.dataDir ? filePersistence(options.dataDir) : ephemeralPersistence(),
    accountId: "123456789012",
    defaultRegion: "us-east-1",
    endpoint: () => "",
    events: new StackEvents(),
  };
  const engine = options.engine ?? new FakeEngine();
  const objects = options.objects ?? new MemoryObjects();
  const service = createRekognition(core, { engine, objects });
  const gateway = new JsonGateway({ accountId: core.accountId, defaultRegion: core.defaultRegion, maxBodyBytes: 16 * 1024 * 1024, requestId: () => core.ids.uuid() });
  gateway.register(service);
  const fastify = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  fastify.decorateRequest("awsLog", null);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  fastify.post("/", (request, reply) => gateway.handle(request, reply));
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const client = new RekognitionClient(sdkConfig(endpoint, { maxAttempts: 1 }));
  return {
    endpoint,
    client,
    engine,
    objects,
    service,
    logger,
    clock,
    close: async () => {
      client.destroy();
      await fastify.close();
      await service.close();
    },
  };
}
