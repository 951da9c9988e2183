import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  DetectLabelsCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
  SearchFacesCommand,
  paginateListFaces,
} from "@aws-sdk/client-rekognition";
import { FakeEngine, MemoryObjects, face, personVector, resembling, startRekognition, uniquePng, type Harness } from "./harness.js";
import { sdkConfig } from "../support/clients.js";

/**
 * Rekognition's rules with a stand-in engine (faces chosen per test), behind the real gateway
 * and driven by the real SDK client. The fixture images are exercised end to end against a
 * whole stack in e2e.test.ts.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function rejects(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

const alice = personVector("alice");
const bob = personVector("bob");

let h: Harness;
let rek: RekognitionClient;
const engine = new FakeEngine();
const objects = new MemoryObjects();

// Images (valid PNGs), registered with their faces.
const aliceDoc = engine.register(uniquePng(), [face(alice)]);
const aliceSelfie = engine.register(uniquePng(), [face(resembling(alice, 0.99, "a1"), { Width: 0.4, Height: 0.5 })]);
const lookalike = engine.register(uniquePng(), [face(resembling(alice, 0.94, "lookalike"))]);
const bobDoc = engine.register(uniquePng(), [face(bob)]);
const group = engine.register(uniquePng(), [
  face(resembling(bob, 0.99, "b-small"), { Width: 0.2, Height: 0.25, Left: 0.7 }),
  face(resembling(alice, 0.99, "a-big"), { Width: 0.35, Height: 0.45, Left: 0.1 }),
]);
const tiny = engine.register(uniquePng(400, 400), [face(alice, { Width: 0.02, Height: 0.03 })]);
const empty = engine.register(uniquePng(), []);
const unknown = uniquePng();

beforeAll(async () => {
  h = await startRekognition({ engine, objects });
  rek = h.client;
});
afterAll(async () => {
  await h.close();
});

describe("collections", () => {
  it("creates a collection and describes it as AWS does (CreateCollection's ARN has no arn: prefix)", async () => {
    const created = await rek.send(new CreateCollectionCommand({ CollectionId: "c-describe" }));
    expect(created.StatusCode).toBe(200);
    expect(created.CollectionArn).toBe("aws:rekognition:us-east-1:123456789012:collection/c-describe");
    expect(created.FaceModelVersion).toBe("7.0");
    h.clock.advance(1000);
    const described = await rek.send(new DescribeCollectionCommand({ CollectionId: "c-describe" }));
    expect(described.CollectionARN).toBe("arn:aws:rekognition:us-east-1:123456789012:collection/c-describe");
    expect(described.FaceCount).toBe(0);
    expect(described.UserCount).toBe(0);
    expect(described.FaceModelVersion).toBe("7.0");
    expect(described.CreationTimestamp?.getTime()).toBe(Date.UTC(2026, 0, 1));
  });

  it("refuses a second collection of the same id, and unknown ones, with AWS's messages", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "c-dup" }));
    const dup = await rejects(rek.send(new CreateCollectionCommand({ CollectionId: "c-dup" })));
    expect(dup).toMatchObject({ name: "ResourceAlreadyExistsException", message: "The collection id: c-dup already exists", status: 400 });
    for (const command of [
      new DescribeCollectionCommand({ CollectionId: "nope" }),
      new DeleteCollectionCommand({ CollectionId: "nope" }),
      new ListFacesCommand({ CollectionId: "nope" }),
      new IndexFacesCommand({ CollectionId: "nope", Image: { Bytes: aliceDoc } }),
      new SearchFacesByImageCommand({ CollectionId: "nope", Image: { Bytes: aliceDoc } }),
      new SearchFacesCommand({ CollectionId: "nope", FaceId: "00000000-0000-4000-8000-000000000000" }),
      new DeleteFacesCommand({ CollectionId: "nope", FaceIds: ["00000000-0000-4000-8000-000000000000"] }),
    ]) {
      const e = await rejects(rek.send(command as never));
      expect(e).toMatchObject({ name: "ResourceNotFoundException", message: "The collection id: nope does not exist" });
    }
  });

  it("answers ValidationException for an id outside the model's pattern", async () => {
    const e = await rejects(rek.send(new CreateCollectionCommand({ CollectionId: "has space" })));
    expect(e.name).toBe("ValidationException");
    expect(e.message).toContain("at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });

  it("keeps collections per region", async () => {
    const west = new RekognitionClient(sdkConfig(h.endpoint, { region: "us-west-2" }));
    await rek.send(new CreateCollectionCommand({ CollectionId: "c-region" }));
    const e = await rejects(west.send(new DescribeCollectionCommand({ CollectionId: "c-region" })));
    expect(e.name).toBe("ResourceNotFoundException");
    const created = await west.send(new CreateCollectionCommand({ CollectionId: "c-region" }));
    expect(created.CollectionArn).toBe("aws:rekognition:us-west-2:123456789012:collection/c-region");
    const listed = await west.send(new ListCollectionsCommand({}));
    expect(listed.CollectionIds).toEqual(["c-region"]);
    west.destroy();
  });

  it("lists collections in creation order, in pages, and rejects a forged token", async () => {
    const ids = ["p-3", "p-1", "p-2", "p-5", "p-4"];
    for (const id of ids) await rek.send(new CreateCollectionCommand({ CollectionId: id }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await rek.send(new ListCollectionsCommand({ MaxResults: 2, NextToken: token }));
      expect(page.CollectionIds!.length).toBeLessThanOrEqual(2);
      expect(page.FaceModelVersions).toEqual(page.CollectionIds!.map(() => "7.0"));
      seen.push(...page.CollectionIds!);
      token = page.NextToken;
      pages++;
    } while (token);
    expect(seen.filter((id) => id.startsWith("p-"))).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);
    const bad = await rejects(rek.send(new ListCollectionsCommand({ NextToken: "not-a-token" })));
    expect(bad.name).toBe("InvalidPaginationTokenException");
  });

  it("deletes a collection with its faces", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "c-delete" }));
    await rek.send(new IndexFacesCommand({ CollectionId: "c-delete", Image: { Bytes: aliceDoc } }));
    expect((await rek.send(new DeleteCollectionCommand({ CollectionId: "c-delete" }))).StatusCode).toBe(200);
    await rek.send(new CreateCollectionCommand({ CollectionId: "c-delete" }));
    expect((await rek.send(new DescribeCollectionCommand({ CollectionId: "c-delete" }))).FaceCount).toBe(0);
  });
});

describe("IndexFaces", () => {
  beforeAll(async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "idx" }));
  });

  it("indexes a face with AWS's record shape and the DEFAULT attributes", async () => {
    const out = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: aliceDoc }, ExternalImageId: "alice-doc" }));
    expect(out.FaceModelVersion).toBe("7.0");
    expect(out.UnindexedFaces).toEqual([]);
    expect(out.FaceRecords).toHaveLength(1);
    const record = out.FaceRecords![0]!;
    expect(record.Face!.FaceId).toMatch(UUID);
    expect(record.Face!.ImageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record.Face).toMatchObject({ ExternalImageId: "alice-doc", Confidence: 99.9, IndexFacesModelVersion: "7.0", BoundingBox: { Width: 0.3, Height: 0.4, Left: 0.35, Top: 0.2 } });
    expect(Object.keys(record.FaceDetail!).sort()).toEqual(["BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"]);
    expect(record.FaceDetail!.Landmarks!.map((l) => l.Type)).toEqual(["eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"]);
  });

  it("returns every attribute and landmark with ALL, and one more with a named attribute", async () => {
    const all = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: bobDoc }, DetectionAttributes: ["ALL"] }));
    const detail = all.FaceRecords![0]!.FaceDetail!;
    expect(detail.Smile).toEqual({ Value: true, Confidence: 97 });
    expect(detail.FaceOccluded).toEqual({ Value: false, Confidence: 99 });
    expect(detail.Landmarks).toHaveLength(6);
    const one = await rek.send(new DetectFacesCommand({ Image: { Bytes: bobDoc }, Attributes: ["FACE_OCCLUDED"] }));
    expect(one.FaceDetails![0]!.FaceOccluded).toBeDefined();
    expect(one.FaceDetails![0]!.Smile).toBeUndefined();
  });

  it("indexes the largest faces up to MaxFaces; the others are EXCEEDS_MAX_FACES", async () => {
    const out = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: group }, MaxFaces: 1 }));
    expect(out.FaceRecords).toHaveLength(1);
    expect(out.FaceRecords![0]!.Face!.BoundingBox!.Width).toBe(0.35);
    expect(out.UnindexedFaces).toHaveLength(1);
    expect(out.UnindexedFaces![0]!.Reasons).toEqual(["EXCEEDS_MAX_FACES"]);
    expect(out.UnindexedFaces![0]!.FaceDetail!.BoundingBox!.Width).toBe(0.2);
  });

  it("filters a tiny face with the AUTO quality bar, and indexes it with NONE", async () => {
    const auto = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: tiny } }));
    expect(auto.FaceRecords).toEqual([]);
    expect(auto.UnindexedFaces![0]!.Reasons).toContain("SMALL_BOUNDING_BOX");
    const none = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: tiny }, QualityFilter: "NONE" }));
    expect(none.FaceRecords).toHaveLength(1);
  });

  it("answers an image without a face, or one the engine does not know, with no records, and logs the unknown one", async () => {
    const none = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: empty } }));
    expect(none.FaceRecords).toEqual([]);
    expect(none.UnindexedFaces).toEqual([]);
    const before = h.logger.lines.length;
    const strange = await rek.send(new IndexFacesCommand({ CollectionId: "idx", Image: { Bytes: unknown } }));
    expect(strange.FaceRecords).toEqual([]);
    const logged = h.logger.lines.slice(before).join("\n");
    expect(logged).toMatch(/IndexFaces: the fake engine does not recognise image \(bytes, png 200x160, sha256 [0-9a-f]{16}\)/);
  });

  it("stores no duplicate for the same image and ExternalImageId", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "dedupe" }));
    const first = await rek.send(new IndexFacesCommand({ CollectionId: "dedupe", Image: { Bytes: group }, ExternalImageId: "g" }));
    const again = await rek.send(new IndexFacesCommand({ CollectionId: "dedupe", Image: { Bytes: group }, ExternalImageId: "g" }));
    expect(again.FaceRecords!.map((r) => r.Face!.FaceId)).toEqual(first.FaceRecords!.map((r) => r.Face!.FaceId));
    expect((await rek.send(new DescribeCollectionCommand({ CollectionId: "dedupe" }))).FaceCount).toBe(2);
    const other = await rek.send(new IndexFacesCommand({ CollectionId: "dedupe", Image: { Bytes: group }, ExternalImageId: "h" }));
    expect(other.FaceRecords![0]!.Face!.FaceId).not.toBe(first.FaceRecords![0]!.Face!.FaceId);
    expect(other.FaceRecords![0]!.Face!.ImageId).toBe(first.FaceRecords![0]!.Face!.ImageId);
    expect((await rek.send(new DescribeCollectionCommand({ CollectionId: "dedupe" }))).FaceCount).toBe(4);
  });
});

describe("images", () => {
  beforeAll(async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "img" }));
  });

  it("rejects bytes that are not a whole JPEG or PNG", async () => {
    for (const bytes of [Buffer.from("hello, not an image"), aliceDoc.subarray(0, aliceDoc.length - 20), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16])]) {
      for (const command of [
        new IndexFacesCommand({ CollectionId: "img", Image: { Bytes: bytes } }),
        new DetectFacesCommand({ Image: { Bytes: bytes } }),
        new SearchFacesByImageCommand({ CollectionId: "img", Image: { Bytes: bytes } }),
        new CompareFacesCommand({ SourceImage: { Bytes: bytes }, TargetImage: { Bytes: aliceDoc } }),
      ]) {
        const e = await rejects(rek.send(command as never));
        expect(e).toMatchObject({ name: "InvalidImageFormatException", message: "Request has invalid image format", status: 400 });
      }
    }
  });

  it("answers bytes over 5 MB, or none, as AWS does: ValidationException on image.bytes", async () => {
    const big = Buffer.concat([aliceDoc, Buffer.alloc(5_242_880)]);
    const e = await rejects(rek.send(new DetectFacesCommand({ Image: { Bytes: big } })));
    expect(e.name).toBe("ValidationException");
    expect(e.message).toBe(
      `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${big.length} cap=${big.length}]' at 'image.bytes' failed to satisfy constraint: Member must have length less than or equal to 5242880`,
    );
    const src = await rejects(rek.send(new CompareFacesCommand({ SourceImage: { Bytes: aliceDoc }, TargetImage: { Bytes: big } })));
    expect(src.message).toContain("at 'targetImage.bytes'");
    const none = await rejects(rek.send(new DetectFacesCommand({ Image: { Bytes: new Uint8Array(0) } })));
    expect(none).toMatchObject({
      name: "ValidationException",
      message: "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'image.bytes' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
  });

  it("needs exactly one of Bytes and S3Object", async () => {
    const neither = await rejects(rek.send(new DetectFacesCommand({ Image: {} })));
    expect(neither).toMatchObject({ name: "InvalidParameterException", message: "Request has invalid parameters" });
    const both = await rejects(rek.send(new DetectFacesCommand({ Image: { Bytes: aliceDoc, S3Object: { Bucket: "b-images", Name: "a.png" } } })));
    expect(both.name).toBe("InvalidParameterException");
  });

  it("reads Image.S3Object through the object reader", async () => {
    objects.put("b-images", "alice.png", aliceDoc);
    const out = await rek.send(new IndexFacesCommand({ CollectionId: "img", Image: { S3Object: { Bucket: "b-images", Name: "alice.png" } } }));
    expect(out.FaceRecords).toHaveLength(1);
    const missing = await rejects(rek.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: "b-images", Name: "missing.png" } } })));
    expect(missing).toMatchObject({
      name: "InvalidS3ObjectException",
      message: "Unable to get object metadata from S3. Check object key, region and/or access permissions.",
    });
    objects.put("b-images", "huge.png", Buffer.concat([aliceDoc, Buffer.alloc(15 * 1024 * 1024)]));
    const huge = await rejects(rek.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: "b-images", Name: "huge.png" } } })));
    expect(huge.name).toBe("ImageTooLargeException");
  });
});

describe("searching", () => {
  let aliceDocFace: string;
  let aliceSelfieFace: string;
  let bobFace: string;
  beforeAll(async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "search" }));
    aliceDocFace = (await rek.send(new IndexFacesCommand({ CollectionId: "search", Image: { Bytes: aliceDoc }, ExternalImageId: "alice" }))).FaceRecords![0]!.Face!.FaceId!;
    aliceSelfieFace = (await rek.send(new IndexFacesCommand({ CollectionId: "search", Image: { Bytes: aliceSelfie }, ExternalImageId: "alice" }))).FaceRecords![0]!.Face!.FaceId!;
    bobFace = (await rek.send(new IndexFacesCommand({ CollectionId: "search", Image: { Bytes: bobDoc }, ExternalImageId: "bob" }))).FaceRecords![0]!.Face!.FaceId!;
  });

  it("SearchFaces finds the other faces of the person, never the face itself", async () => {
    const out = await rek.send(new SearchFacesCommand({ CollectionId: "search", FaceId: aliceDocFace }));
    expect(out.SearchedFaceId).toBe(aliceDocFace);
    expect(out.FaceModelVersion).toBe("7.0");
    expect(out.FaceMatches!.map((m) => m.Face!.FaceId)).toEqual([aliceSelfieFace]);
    expect(out.FaceMatches![0]!.Similarity).toBeCloseTo(97.5, 1);
    expect(out.FaceMatches![0]!.Face).toMatchObject({ ExternalImageId: "alice", IndexFacesModelVersion: "7.0" });
    const nobody = await rek.send(new SearchFacesCommand({ CollectionId: "search", FaceId: bobFace }));
    expect(nobody.FaceMatches).toEqual([]);
  });

  it("SearchFaces with a FaceId that is not in the collection is InvalidParameterException", async () => {
    const e = await rejects(rek.send(new SearchFacesCommand({ CollectionId: "search", FaceId: "00000000-0000-4000-8000-000000000000" })));
    expect(e).toMatchObject({ name: "InvalidParameterException", message: "faceId was not found in the collection." });
  });

  it("SearchFacesByImage uses the largest face, sorts best first, honours the threshold and MaxFaces", async () => {
    const out = await rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: group }, FaceMatchThreshold: 50 }));
    expect(out.SearchedFaceBoundingBox).toEqual({ Width: 0.35, Height: 0.45, Left: 0.1, Top: 0.2 });
    expect(out.SearchedFaceConfidence).toBe(99.9);
    const ids = out.FaceMatches!.map((m) => m.Face!.FaceId);
    expect(ids).toContain(aliceDocFace);
    expect(ids).toContain(aliceSelfieFace);
    expect(ids).not.toContain(bobFace);
    const sims = out.FaceMatches!.map((m) => m.Similarity!);
    expect([...sims].sort((a, b) => b - a)).toEqual(sims);
    const one = await rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: group }, MaxFaces: 1 }));
    expect(one.FaceMatches).toHaveLength(1);
    expect(one.FaceMatches![0]!.Similarity).toBe(sims[0]);
  });

  it("the look-alike matches at the default 80 but not at 90", async () => {
    const at80 = await rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: lookalike } }));
    expect(at80.FaceMatches!.length).toBeGreaterThan(0);
    for (const m of at80.FaceMatches!) expect(m.Similarity!).toBeGreaterThanOrEqual(80);
    const at90 = await rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: lookalike }, FaceMatchThreshold: 90 }));
    expect(at90.FaceMatches).toEqual([]);
  });

  it("an image without a face is InvalidParameterException", async () => {
    for (const bytes of [empty, unknown]) {
      const e = await rejects(rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: bytes } })));
      expect(e).toMatchObject({ name: "InvalidParameterException", message: "There are no faces in the image. Should be at least 1." });
    }
    // With a quality bar the tiny face does not count.
    const e = await rejects(rek.send(new SearchFacesByImageCommand({ CollectionId: "search", Image: { Bytes: tiny }, QualityFilter: "HIGH" })));
    expect(e.name).toBe("InvalidParameterException");
  });
});

describe("CompareFaces and DetectFaces", () => {
  it("compares the source's largest face with each target face", async () => {
    const out = await rek.send(new CompareFacesCommand({ SourceImage: { Bytes: group }, TargetImage: { Bytes: group }, SimilarityThreshold: 90 }));
    expect(out.SourceImageFace).toEqual({ BoundingBox: { Width: 0.35, Height: 0.45, Left: 0.1, Top: 0.2 }, Confidence: 99.9 });
    expect(out.FaceMatches).toHaveLength(1);
    expect(out.FaceMatches![0]!.Similarity).toBe(100);
    expect(out.FaceMatches![0]!.Face!.BoundingBox!.Width).toBe(0.35);
    expect(Object.keys(out.FaceMatches![0]!.Face!).sort()).toEqual(["BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"]);
    expect(out.UnmatchedFaces).toHaveLength(1);
    expect(out.UnmatchedFaces![0]!.BoundingBox!.Width).toBe(0.2);
  });

  it("needs a face in both images", async () => {
    for (const [source, target] of [[empty, aliceDoc], [aliceDoc, empty]] as const) {
      const e = await rejects(rek.send(new CompareFacesCommand({ SourceImage: { Bytes: source }, TargetImage: { Bytes: target } })));
      expect(e).toMatchObject({ name: "InvalidParameterException", message: "There are no faces in the image. Should be at least 1." });
    }
  });

  it("DetectFaces lists faces largest first and an empty list for an image without one", async () => {
    const out = await rek.send(new DetectFacesCommand({ Image: { Bytes: group } }));
    expect(out.FaceDetails!.map((f) => f.BoundingBox!.Width)).toEqual([0.35, 0.2]);
    expect((await rek.send(new DetectFacesCommand({ Image: { Bytes: empty } }))).FaceDetails).toEqual([]);
  });
});

describe("ListFaces and DeleteFaces", () => {
  it("lists faces in FaceId order, in pages, with the FaceIds filter", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "list" }));
    const indexed: string[] = [];
    for (const bytes of [aliceDoc, aliceSelfie, bobDoc, group]) {
      const out = await rek.send(new IndexFacesCommand({ CollectionId: "list", Image: { Bytes: bytes } }));
      indexed.push(...out.FaceRecords!.map((r) => r.Face!.FaceId!));
    }
    const listed: string[] = [];
    for await (const page of paginateListFaces({ client: rek, pageSize: 2 }, { CollectionId: "list" })) {
      expect(page.Faces!.length).toBeLessThanOrEqual(2);
      expect(page.FaceModelVersion).toBe("7.0");
      listed.push(...page.Faces!.map((f) => f.FaceId!));
    }
    expect(listed).toEqual([...indexed].sort());
    const some = await rek.send(new ListFacesCommand({ CollectionId: "list", FaceIds: [indexed[2]!, indexed[0]!] }));
    expect(some.Faces!.map((f) => f.FaceId)).toEqual([indexed[0]!, indexed[2]!].sort());
    const first = await rek.send(new ListFacesCommand({ CollectionId: "list", MaxResults: 1 }));
    const foreign = await rejects(rek.send(new ListFacesCommand({ CollectionId: "idx", NextToken: first.NextToken })));
    expect(foreign.name).toBe("InvalidPaginationTokenException");
  });

  it("deletes faces and reports the ones it did not find", async () => {
    await rek.send(new CreateCollectionCommand({ CollectionId: "del" }));
    const out = await rek.send(new IndexFacesCommand({ CollectionId: "del", Image: { Bytes: aliceDoc } }));
    const id = out.FaceRecords![0]!.Face!.FaceId!;
    const missing = "00000000-0000-4000-8000-000000000000";
    const deleted = await rek.send(new DeleteFacesCommand({ CollectionId: "del", FaceIds: [id, missing] }));
    expect(deleted.DeletedFaces).toEqual([id]);
    expect(deleted.UnsuccessfulFaceDeletions).toEqual([{ FaceId: missing, Reasons: ["FACE_NOT_FOUND"] }]);
    expect((await rek.send(new ListFacesCommand({ CollectionId: "del" }))).Faces).toEqual([]);
    // Re-indexing the same image after deleting its face stores it again.
    const again = await rek.send(new IndexFacesCommand({ CollectionId: "del", Image: { Bytes: aliceDoc } }));
    expect(again.FaceRecords![0]!.Face!.FaceId).not.toBe(id);
  });
});

describe("the gateway", () => {
  it("answers a Rekognition action rekognito does not implement with NotImplementedException", async () => {
    const e = await rejects(rek.send(new DetectLabelsCommand({ Image: { Bytes: aliceDoc } })));
    expect(e.name).toBe("NotImplementedException");
  });
});

describe("persistence", () => {
  it("keeps collections and faces across a restart, appending one journal line per change", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rekognito-rek-"));
    try {
      const first = await startRekognition({ dataDir, engine, objects });
      await first.client.send(new CreateCollectionCommand({ CollectionId: "kept" }));
      const journal = join(dataDir, "rekognition.jsonl");
      const lines = () => readFileSync(journal, "utf8").split("\n").filter(Boolean).length;
      expect(lines()).toBe(1);
      const doc = await first.client.send(new IndexFacesCommand({ CollectionId: "kept", Image: { Bytes: aliceDoc }, ExternalImageId: "alice" }));
      await first.client.send(new IndexFacesCommand({ CollectionId: "kept", Image: { Bytes: bobDoc }, ExternalImageId: "bob" }));
      expect(lines()).toBe(3);
      const gone = await first.client.send(new IndexFacesCommand({ CollectionId: "kept", Image: { Bytes: group } }));
      await first.client.send(new DeleteFacesCommand({ CollectionId: "kept", FaceIds: gone.FaceRecords!.map((r) => r.Face!.FaceId!) }));
      await first.client.send(new CreateCollectionCommand({ CollectionId: "dropped" }));
      await first.client.send(new DeleteCollectionCommand({ CollectionId: "dropped" }));
      await first.close();

      const second = await startRekognition({ dataDir, engine, objects });
      const described = await second.client.send(new DescribeCollectionCommand({ CollectionId: "kept" }));
      expect(described.FaceCount).toBe(2);
      expect((await second.client.send(new ListCollectionsCommand({}))).CollectionIds).toEqual(["kept"]);
      const found = await second.client.send(new SearchFacesByImageCommand({ CollectionId: "kept", Image: { Bytes: aliceSelfie }, FaceMatchThreshold: 90 }));
      expect(found.FaceMatches!.map((m) => m.Face!.FaceId)).toEqual([doc.FaceRecords![0]!.Face!.FaceId]);
      expect(found.FaceMatches![0]!.Face!.ExternalImageId).toBe("alice");
      // Same image again after the restart: still no duplicate.
      const again = await second.client.send(new IndexFacesCommand({ CollectionId: "kept", Image: { Bytes: aliceDoc }, ExternalImageId: "alice" }));
      expect(again.FaceRecords![0]!.Face!.FaceId).toBe(doc.FaceRecords![0]!.Face!.FaceId);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
