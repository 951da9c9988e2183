import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompareFacesCommand,
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DescribeCollectionCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
  SearchFacesCommand,
  paginateListCollections,
  paginateListFaces,
} from "@aws-sdk/client-rekognition";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { fixtureImage, fixtureImages, fixturePersonas, readFixture } from "../../server/faces/fixtures.js";
import { listenStack } from "../../server/stack.js";
import { silentLogger } from "../../server/core/logger.js";
import { testTarget, type TestTarget } from "../support/target.js";
import { s3Config, sdkConfig } from "../support/clients.js";

/**
 * Rekognition end to end: a started stack with the fixture engine, driven by the unmodified
 * SDK client, over every fixture kind.
 */

async function rejects(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string };
    return { name: e.name, message: e.message };
  }
  throw new Error("expected the call to fail");
}

let target: TestTarget;
let rek: RekognitionClient;
// Unique per run, so the suite also works against a long-running external stack.
const run = `e2e-${process.pid}-${Date.now().toString(36)}`;
const col = (name: string) => `${run}-${name}`;

const bytes = (filter: Parameters<typeof fixtureImage>[0]) => readFixture(fixtureImage(filter));
const personas = fixturePersonas();

beforeAll(async () => {
  target = await testTarget();
  rek = new RekognitionClient(sdkConfig(target.endpoint, { region: target.region, maxAttempts: 1 }));
});
afterAll(async () => {
  rek?.destroy();
  await target?.close();
});

describe("enrolment and sign-in with the fixture personas", () => {
  const enrolled = new Map<string, string>();
  beforeAll(async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: col("people") }));
    for (const p of personas) {
      const out = await rek.send(new IndexFacesCommand({ CollectionId: col("people"), Image: { Bytes: bytes({ persona: p.id, kind: "document" }) }, ExternalImageId: p.id, MaxFaces: 1 }));
      expect(out.FaceRecords, `document of ${p.id}`).toHaveLength(1);
      enrolled.set(p.id, out.FaceRecords![0]!.Face!.FaceId!);
    }
  });

  it("indexes every document and every selfie", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: col("all") }));
    for (const image of [...fixtureImages({ kind: "document" }), ...fixtureImages({ kind: "selfie" })]) {
      const out = await rek.send(new IndexFacesCommand({ CollectionId: col("all"), Image: { Bytes: readFixture(image) }, ExternalImageId: image.persona! }));
      expect(out.FaceRecords, image.file).toHaveLength(1);
      expect(out.UnindexedFaces, image.file).toEqual([]);
    }
    const described = await rek.send(new DescribeCollectionCommand({ CollectionId: col("all") }));
    expect(described.FaceCount).toBe(personas.length * 4);
  });

  it("finds the right persona, and only that persona, for every selfie at 90", async () => {
    for (const selfie of fixtureImages({ kind: "selfie" })) {
      const out = await rek.send(new SearchFacesByImageCommand({ CollectionId: col("people"), Image: { Bytes: readFixture(selfie) }, FaceMatchThreshold: 90, MaxFaces: 5 }));
      expect(out.FaceMatches!.map((m) => m.Face!.ExternalImageId), selfie.file).toEqual([selfie.persona]);
      expect(out.FaceMatches![0]!.Face!.FaceId).toBe(enrolled.get(selfie.persona!));
      expect(out.FaceMatches![0]!.Similarity!).toBeGreaterThanOrEqual(95);
    }
  });

  it("finds nobody for the look-alike at 90, though it resembles its persona at 80-89", async () => {
    const look = fixtureImage({ kind: "lookalike" });
    const out = await rek.send(new SearchFacesByImageCommand({ CollectionId: col("people"), Image: { Bytes: readFixture(look) }, FaceMatchThreshold: 90 }));
    expect(out.FaceMatches).toEqual([]);
    const compared = await rek.send(new CompareFacesCommand({ SourceImage: { Bytes: readFixture(look) }, TargetImage: { Bytes: bytes({ persona: look.lookalikeOf!, kind: "document" }) }, SimilarityThreshold: 0 }));
    const similarity = compared.FaceMatches![0]!.Similarity!;
    expect(similarity).toBeGreaterThanOrEqual(80);
    expect(similarity).toBeLessThan(90);
  });

  it("scores strangers under 50", async () => {
    for (const a of personas) {
      for (const b of personas) {
        if (a.id >= b.id) continue;
        const out = await rek.send(new CompareFacesCommand({ SourceImage: { Bytes: bytes({ persona: a.id, kind: "document" }) }, TargetImage: { Bytes: bytes({ persona: b.id, file: "selfie-1.jpg" }) }, SimilarityThreshold: 0 }));
        expect(out.FaceMatches![0]!.Similarity!, `${a.id} vs ${b.id}`).toBeLessThan(50);
      }
    }
  });

  it("SearchFaces finds a persona's selfie from the document's face, leaving the document out", async () => {
    await rek.send(new IndexFacesCommand({ CollectionId: col("people"), Image: { Bytes: bytes({ persona: "ana", file: "selfie-2.jpg" }) }, ExternalImageId: "ana-selfie" }));
    const out = await rek.send(new SearchFacesCommand({ CollectionId: col("people"), FaceId: enrolled.get("ana")!, FaceMatchThreshold: 90 }));
    expect(out.SearchedFaceId).toBe(enrolled.get("ana"));
    expect(out.FaceMatches!.map((m) => m.Face!.ExternalImageId)).toEqual(["ana-selfie"]);
  });
});

describe("the odd fixtures", () => {
  beforeAll(async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: col("odd") }));
  });

  it("two faces with MaxFaces 1: one indexed, the other EXCEEDS_MAX_FACES", async () => {
    const out = await rek.send(new IndexFacesCommand({ CollectionId: col("odd"), Image: { Bytes: bytes({ kind: "two-faces" }) }, MaxFaces: 1 }));
    expect(out.FaceRecords).toHaveLength(1);
    expect(out.UnindexedFaces).toHaveLength(1);
    expect(out.UnindexedFaces![0]!.Reasons).toEqual(["EXCEEDS_MAX_FACES"]);
    const widths = [out.FaceRecords![0]!.Face!.BoundingBox!.Width!, out.UnindexedFaces![0]!.FaceDetail!.BoundingBox!.Width!];
    expect(widths[0]).toBeGreaterThan(widths[1]!);
    expect((await rek.send(new DetectFacesCommand({ Image: { Bytes: bytes({ kind: "two-faces" }) } }))).FaceDetails).toHaveLength(2);
  });

  it("the small face is not indexed: SMALL_BOUNDING_BOX", async () => {
    const out = await rek.send(new IndexFacesCommand({ CollectionId: col("odd"), Image: { Bytes: bytes({ kind: "small-face" }) } }));
    expect(out.FaceRecords).toEqual([]);
    expect(out.UnindexedFaces![0]!.Reasons).toContain("SMALL_BOUNDING_BOX");
  });

  it("the image without a face indexes nothing, and cannot be searched or compared", async () => {
    const noFace = bytes({ kind: "no-face" });
    const out = await rek.send(new IndexFacesCommand({ CollectionId: col("odd"), Image: { Bytes: noFace } }));
    expect(out.FaceRecords).toEqual([]);
    const message = "There are no faces in the image. Should be at least 1.";
    expect(await rejects(rek.send(new SearchFacesByImageCommand({ CollectionId: col("odd"), Image: { Bytes: noFace } })))).toEqual({ name: "InvalidParameterException", message });
    expect(await rejects(rek.send(new CompareFacesCommand({ SourceImage: { Bytes: noFace }, TargetImage: { Bytes: bytes({ persona: "ana", kind: "document" }) } })))).toEqual({ name: "InvalidParameterException", message });
  });

  it("the truncated JPEG and the PDF are InvalidImageFormatException", async () => {
    for (const kind of ["corrupt", "not-an-image"] as const) {
      const e = await rejects(rek.send(new IndexFacesCommand({ CollectionId: col("odd"), Image: { Bytes: bytes({ kind }) } })));
      expect(e, kind).toEqual({ name: "InvalidImageFormatException", message: "Request has invalid image format" });
      const d = await rejects(rek.send(new DetectFacesCommand({ Image: { Bytes: bytes({ kind }) } })));
      expect(d.name, kind).toBe("InvalidImageFormatException");
    }
  });
});

describe("errors", () => {
  it("answers AWS's error types and messages", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: col("err") }));
    expect(await rejects(rek.send(new CreateCollectionCommand({ CollectionId: col("err") })))).toEqual({
      name: "ResourceAlreadyExistsException",
      message: `The collection id: ${col("err")} already exists`,
    });
    expect(await rejects(rek.send(new DescribeCollectionCommand({ CollectionId: col("missing") })))).toEqual({
      name: "ResourceNotFoundException",
      message: `The collection id: ${col("missing")} does not exist`,
    });
    expect(await rejects(rek.send(new SearchFacesCommand({ CollectionId: col("err"), FaceId: "11111111-1111-4111-8111-111111111111" })))).toEqual({
      name: "InvalidParameterException",
      message: "faceId was not found in the collection.",
    });
    expect((await rejects(rek.send(new DetectFacesCommand({ Image: {} })))).name).toBe("InvalidParameterException");
    const big = await rejects(rek.send(new DetectFacesCommand({ Image: { Bytes: Buffer.alloc(5_242_881) } })));
    expect(big.name).toBe("ValidationException");
    expect(big.message).toContain("at 'image.bytes' failed to satisfy constraint: Member must have length less than or equal to 5242880");
    const s3 = await rejects(rek.send(new IndexFacesCommand({ CollectionId: col("err"), Image: { S3Object: { Bucket: `${run}-no-bucket`, Name: "nothing.jpg" } } })));
    expect(s3).toEqual({ name: "InvalidS3ObjectException", message: "Unable to get object metadata from S3. Check object key, region and/or access permissions." });
    expect((await rejects(rek.send(new ListFacesCommand({ CollectionId: col("err"), NextToken: "garbage" })))).name).toBe("InvalidPaginationTokenException");
  });
});

describe("Image.S3Object", () => {
  it("reads images from the stack's S3", async () => {
    const s3 = new S3Client(s3Config(target.endpoint, { region: target.region }));
    const bucket = `${run}-images`.toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "enrol/grace.png", Body: bytes({ persona: "grace", kind: "document" }), ContentType: "image/png" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "sign-in/grace.jpg", Body: bytes({ persona: "grace", file: "selfie-2.jpg" }), ContentType: "image/jpeg" }));
    await rek.send(new CreateCollectionCommand({ CollectionId: col("s3") }));
    const indexed = await rek.send(new IndexFacesCommand({ CollectionId: col("s3"), Image: { S3Object: { Bucket: bucket, Name: "enrol/grace.png" } }, ExternalImageId: "grace" }));
    expect(indexed.FaceRecords).toHaveLength(1);
    const found = await rek.send(new SearchFacesByImageCommand({ CollectionId: col("s3"), Image: { S3Object: { Bucket: bucket, Name: "sign-in/grace.jpg" } }, FaceMatchThreshold: 90 }));
    expect(found.FaceMatches!.map((m) => m.Face!.ExternalImageId)).toEqual(["grace"]);
    const compared = await rek.send(new CompareFacesCommand({ SourceImage: { S3Object: { Bucket: bucket, Name: "enrol/grace.png" } }, TargetImage: { Bytes: bytes({ persona: "grace", file: "selfie-1.jpg" }) } }));
    expect(compared.FaceMatches).toHaveLength(1);
    const missing = await rejects(rek.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: "sign-in/nobody.jpg" } } })));
    expect(missing).toEqual({ name: "InvalidS3ObjectException", message: "Unable to get object metadata from S3. Check object key, region and/or access permissions." });
    s3.destroy();
  });
});

describe("pagination", () => {
  it("pages through ListFaces and ListCollections", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: col("pages") }));
    const ids: string[] = [];
    for (const image of fixtureImages({ kind: "selfie" }).slice(0, 7)) {
      const out = await rek.send(new IndexFacesCommand({ CollectionId: col("pages"), Image: { Bytes: readFixture(image) } }));
      ids.push(out.FaceRecords![0]!.Face!.FaceId!);
    }
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListFaces({ client: rek, pageSize: 3 }, { CollectionId: col("pages") })) {
      listed.push(...page.Faces!.map((f) => f.FaceId!));
      pages++;
    }
    expect(pages).toBe(3);
    expect(listed).toEqual([...ids].sort());
    const deleted = await rek.send(new DeleteFacesCommand({ CollectionId: col("pages"), FaceIds: ids.slice(0, 2) }));
    expect(deleted.DeletedFaces).toEqual(ids.slice(0, 2));
    expect((await rek.send(new ListFacesCommand({ CollectionId: col("pages") }))).Faces).toHaveLength(5);

    const collections: string[] = [];
    for await (const page of paginateListCollections({ client: rek, pageSize: 2 }, {})) collections.push(...page.CollectionIds!);
    expect(collections).toEqual(expect.arrayContaining([col("people"), col("odd"), col("err"), col("pages")]));
    expect(new Set(collections).size).toBe(collections.length);
    await rek.send(new DeleteCollectionCommand({ CollectionId: col("pages") }));
    expect((await rek.send(new ListCollectionsCommand({}))).CollectionIds).not.toContain(col("pages"));
  });
});

describe("persistence", () => {
  it("keeps collections and faces across a restart on the same data directory", async (ctx) => {
    if (!target.stack) ctx.skip();
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-e2e-"));
    try {
      const first = await listenStack({ dataDir, logger: silentLogger, port: 0 });
      const c1 = new RekognitionClient(sdkConfig(first.endpoint));
      await c1.send(new CreateCollectionCommand({ CollectionId: "kept" }));
      const doc = await c1.send(new IndexFacesCommand({ CollectionId: "kept", Image: { Bytes: bytes({ persona: "bruno", kind: "document" }) }, ExternalImageId: "bruno" }));
      c1.destroy();
      await first.close();

      const second = await listenStack({ dataDir, logger: silentLogger, port: 0 });
      const c2 = new RekognitionClient(sdkConfig(second.endpoint));
      expect((await c2.send(new DescribeCollectionCommand({ CollectionId: "kept" }))).FaceCount).toBe(1);
      const found = await c2.send(new SearchFacesByImageCommand({ CollectionId: "kept", Image: { Bytes: bytes({ persona: "bruno", file: "selfie-3.jpg" }) }, FaceMatchThreshold: 90 }));
      expect(found.FaceMatches!.map((m) => m.Face!.FaceId)).toEqual([doc.FaceRecords![0]!.Face!.FaceId]);
      c2.destroy();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
