import Fastify from "fastify";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock.js";
import { StackEvents } from "../../server/core/events.js";
import { seededIds } from "../../server/core/ids.js";
import { cryptoKeys } from "../../server/core/keys.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { filePersistence } from "../../server/core/persistence.js";
import type { CoreServices } from "../../server/core/services.js";
import { Mailbox } from "../../server/cognito/mailbox.js";
import { RekognitionStore } from "../../server/rekognition/store.js";
import { CognitoStore } from "../../server/cognito/store.js";
import { TimeToLiveStore } from "../../server/storage/dynamodb/ttl.js";
import { createExternalS3 } from "../../server/storage/external/s3.js";
import { S3Store } from "../../server/storage/s3/store.js";

// Data directories outlive upgrades: journals written before every record had `op` (records
// tagged `t`, deletions as "pool-", mail as bare messages, faces in one-letter keys) still load, and the stores that
// compact at start rewrite them in today's shape, which loads again.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(journals: Record<string, unknown[]>): string {
  const dir = mkdtempSync(join(tmpdir(), "rekognito-old-journals-"));
  dirs.push(dir);
  for (const [name, records] of Object.entries(journals)) writeFileSync(join(dir, `${name}.jsonl`), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return dir;
}

function coreOn(dir: string): CoreServices {
  return {
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    ids: seededIds("journal-formats"),
    keys: cryptoKeys,
    logger: new MemoryLogger(),
    persistence: filePersistence(dir),
    accountId: "000000000000",
    defaultRegion: "us-east-1",
    endpoint: () => "http://127.0.0.1:1",
    events: new StackEvents(),
  };
}

function records(dir: string, name: string): Record<string, unknown>[] {
  return readFileSync(join(dir, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const object = (key: string, body: string) => ({ key, size: 5, etag: "5d41402abc4b2a76b9719d911017c592", lastModified: 1, metadata: {}, body });

describe("journals written before the one record shape", () => {
  it("s3: buckets, objects, configurations and uploads, then compacted as op records", () => {
    // Prepare: an old `s3` journal and the object bytes it points at.
    const dir = dataDir({
      s3: [
        { t: "bucket", name: "photos", region: "eu-west-1", creationDate: 10 },
        { t: "bucket", name: "gone", region: "us-east-1", creationDate: 11 },
        { t: "put", bucket: "photos", object: object("a.txt", "ref-a") },
        { t: "put", bucket: "photos", object: object("b.txt", "ref-b") },
        { t: "delete", bucket: "photos", key: "b.txt" },
        { t: "notification", bucket: "photos", config: { LambdaFunctionConfigurations: [{ Id: "n", LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f", Events: ["s3:ObjectCreated:*"] }] } },
        { t: "config", bucket: "photos", kind: "cors", value: [{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }] },
        { t: "config", bucket: "photos", kind: "policy", value: "{}" },
        { t: "config", bucket: "photos", kind: "policy" },
        { t: "upload", upload: { uploadId: "u1", bucket: "photos", key: "big.bin", initiated: 12, object: { key: "big.bin", metadata: {} } } },
        { t: "part", uploadId: "u1", part: { partNumber: 1, size: 5, etag: "e", lastModified: 13, body: "ref-p" } },
        { t: "upload", upload: { uploadId: "u2", bucket: "photos", key: "done.bin", initiated: 12, object: { key: "done.bin", metadata: {} } } },
        { t: "uploadEnd", uploadId: "u2" },
        { t: "deleteBucket", name: "gone" },
      ],
    });
    mkdirSync(join(dir, "s3", "objects"), { recursive: true });
    writeFileSync(join(dir, "s3", "objects", "ref-a"), "hello");
    writeFileSync(join(dir, "s3", "objects", "ref-p"), "parts");

    for (const pass of ["old shape", "rewritten"]) {
      // Act: a store over the directory.
      const store = new S3Store(coreOn(dir));
      // Assess: everything the old records said, and nothing they deleted.
      expect(store.listBuckets().map((b) => [b.name, b.region]), pass).toEqual([["photos", "eu-west-1"]]);
      expect(store.sortedKeys("photos"), pass).toEqual(["a.txt"]);
      expect(store.readBody(store.getObject("photos", "a.txt")!).toString(), pass).toBe("hello");
      const bucket = store.bucket("photos");
      expect(bucket.notification.LambdaFunctionConfigurations?.[0]?.Id, pass).toBe("n");
      expect(bucket.config.cors, pass).toEqual([{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }]);
      expect(bucket.config.policy, pass).toBeUndefined();
      expect(store.listUploads("photos").map((u) => u.uploadId), pass).toEqual(["u1"]);
      expect(store.readPart(store.upload("photos", "big.bin", "u1").parts.get(1)!).toString(), pass).toBe("parts");
      expect(records(dir, "s3").every((r) => typeof r.op === "string" && !("t" in r)), pass).toBe(true);
    }
  });

  it("cognito: pools, clients, users, groups, refresh tokens and their deletions", () => {
    const key = { kid: "k", privateKeyPem: "-", publicJwk: {} };
    const pool = (id: string) => ({ id, name: id, region: "us-east-1", arn: `arn:${id}`, createdAt: 1, updatedAt: 1, lambdaConfig: {}, usernameAttributes: [], aliasAttributes: [], autoVerifiedAttributes: [], caseSensitive: true, passwordPolicy: {}, customAttributes: [], extra: {}, key });
    const user = (username: string) => ({ poolId: "us-east-1_keep", username, sub: `sub-${username}`, attributes: { email: `${username}@example.com` }, status: "CONFIRMED", enabled: true, createdAt: 1, updatedAt: 1, password: null, code: null, groups: ["admins", "old"] });
    const refresh = (token: string, originJti: string) => ({ token, poolId: "us-east-1_keep", clientId: "c1", username: "ana", originJti, authTime: 1, expiresAt: Date.UTC(2030, 0, 1), revoked: false });
    const dir = dataDir({
      cognito: [
        { t: "pool", pool: pool("us-east-1_keep") },
        { t: "pool", pool: pool("us-east-1_drop") },
        { t: "pool-", id: "us-east-1_drop" },
        { t: "client", client: { id: "c1", poolId: "us-east-1_keep", name: "app", secret: null, createdAt: 1, updatedAt: 1, explicitAuthFlows: [], preventUserExistenceErrors: "ENABLED", authSessionValidity: 3, refreshTokenValidity: 30, accessTokenValidity: null, idTokenValidity: null, tokenValidityUnits: null, enableTokenRevocation: true, extra: {} } },
        { t: "client", client: { id: "c2", poolId: "us-east-1_keep", name: "old", secret: null, createdAt: 1, updatedAt: 1, explicitAuthFlows: [], preventUserExistenceErrors: "ENABLED", authSessionValidity: 3, refreshTokenValidity: 30, accessTokenValidity: null, idTokenValidity: null, tokenValidityUnits: null, enableTokenRevocation: true, extra: {} } },
        { t: "client-", id: "c2" },
        { t: "group", group: { poolId: "us-east-1_keep", name: "admins", description: null, roleArn: null, precedence: 1, createdAt: 1, updatedAt: 1 } },
        { t: "group", group: { poolId: "us-east-1_keep", name: "old", description: null, roleArn: null, precedence: 2, createdAt: 1, updatedAt: 1 } },
        { t: "user", user: user("ana") },
        { t: "user", user: user("bob") },
        { t: "user-", poolId: "us-east-1_keep", username: "bob" },
        { t: "group-", poolId: "us-east-1_keep", name: "old" },
        { t: "refresh", refresh: refresh("r1", "o1") },
        { t: "refresh", refresh: refresh("r2", "o2") },
        { t: "revoke", originJti: "o2" },
      ],
    });
    for (const pass of ["old shape", "rewritten"]) {
      const store = new CognitoStore(coreOn(dir));
      expect(store.listPools().map((p) => p.id), pass).toEqual(["us-east-1_keep"]);
      expect(store.clientsOf("us-east-1_keep").map((c) => c.id), pass).toEqual(["c1"]);
      expect(store.groupsOf("us-east-1_keep").map((g) => g.name), pass).toEqual(["admins"]);
      const pool = store.pool("us-east-1_keep")!;
      expect(store.usersOf(pool.id).map((u) => [u.username, u.groups]), pass).toEqual([["ana", ["admins"]]]);
      expect(store.findUser(pool, "ana@example.com"), pass).toBeUndefined(); // no email sign-in in this pool
      expect(store.refreshToken("r1")?.revoked, pass).toBe(false);
      expect(store.refreshToken("r2")?.revoked, pass).toBe(true);
      expect(store.isRevoked("o2"), pass).toBe(true);
      expect(records(dir, "cognito").every((r) => typeof r.op === "string" && !("t" in r)), pass).toBe(true);
    }
  });

  it("cognito-mailbox: bare messages beside the op records written after them", () => {
    const message = { id: "m1", sentAt: "2025-01-01T00:00:00.000Z", to: "ana@example.com", subject: "Your code 123456", body: "123456", code: "123456", reason: "SignUp", userPoolId: "p", username: "ana" };
    const dir = dataDir({ "cognito-mailbox": [message] });
    new Mailbox(coreOn(dir)).send({ to: "bob@example.com", subject: "Hello", body: "no code", code: null, reason: "SES SendEmail", userPoolId: "", username: "" });
    const again = new Mailbox(coreOn(dir));
    expect(again.list().map((m) => [m.to, m.code])).toEqual([
      ["ana@example.com", "123456"],
      ["bob@example.com", null],
    ]);
    expect(records(dir, "cognito-mailbox")[1]).toMatchObject({ op: "send-mail", message: { to: "bob@example.com" } });
  });

  it("dynamodb-ttl: settings and forgotten tables", () => {
    const dir = dataDir({
      "dynamodb-ttl": [
        { t: "ttl", table: "faces", spec: { AttributeName: "expiresAt", Enabled: true } },
        { t: "ttl", table: "gone", spec: { AttributeName: "x", Enabled: true } },
        { t: "forget", table: "gone" },
      ],
    });
    for (const pass of ["old shape", "rewritten"]) {
      const ttl = new TimeToLiveStore(coreOn(dir));
      expect(ttl.get("faces"), pass).toEqual({ AttributeName: "expiresAt", Enabled: true });
      expect(ttl.get("gone"), pass).toBeUndefined();
      expect(records(dir, "dynamodb-ttl"), pass).toEqual([{ op: "put-ttl", table: "faces", specification: { AttributeName: "expiresAt", Enabled: true } }]);
    }
  });

  it("rekognition: collections, faces in one-letter keys, their deletions, then rewritten as op records", () => {
    // Prepare: an old `rekognition` journal; embeddings are float32 little-endian bytes in base64.
    const embedding = (seed: number) => Buffer.from(Float32Array.from({ length: 4 }, (_, i) => (seed + i) / 10).buffer).toString("base64");
    const face = (i: string, m: string, extra: Record<string, unknown> = {}) => ({ i, m, b: [0.3, 0.4, 0.1, 0.2], c: 99.5, v: "7.0", e: embedding(i.length), ...extra });
    const dir = dataDir({
      rekognition: [
        { t: "collection", a: "000000000000", r: "us-east-1", id: "faces", at: 1_000, seq: 1, v: "7.0", tags: { team: "login" } },
        { t: "collection", a: "000000000000", r: "eu-west-1", id: "faces", at: 2_000, seq: 2, v: "7.0" },
        { t: "collection", a: "000000000000", r: "us-east-1", id: "gone", at: 3_000, seq: 3, v: "7.0" },
        // Faces journalled before there was a model engine carry no space: they are the fixture engine's.
        { t: "faces", a: "000000000000", r: "us-east-1", id: "faces", faces: [face("f1", "img1", { x: "ana" }), face("f22", "img1"), face("f333", "img2", { s: "model" })] },
        { t: "faces", a: "000000000000", r: "us-east-1", id: "gone", faces: [face("g1", "img3")] },
        { t: "unfaces", a: "000000000000", r: "us-east-1", id: "faces", ids: ["f22"] },
        { t: "drop", a: "000000000000", r: "us-east-1", id: "gone" },
      ],
    });

    for (const pass of ["old shape", "rewritten"]) {
      // Act: a store over the directory.
      const store = new RekognitionStore(filePersistence(dir));
      // Assess: what the old records said, and nothing they deleted.
      expect(store.listCollections("000000000000", "us-east-1").map((c) => [c.collectionId, c.createdAt, c.tags]), pass).toEqual([["faces", 1_000, { team: "login" }]]);
      expect(store.listCollections("000000000000", "eu-west-1").map((c) => c.seq), pass).toEqual([2]);
      const faces = store.listFaces("000000000000", "us-east-1", "faces", undefined, 10).faces;
      expect(faces.map((f) => [f.faceId, f.imageId, f.externalImageId, f.space]), pass).toEqual([
        ["f1", "img1", "ana", "fixture"],
        ["f333", "img2", undefined, "model"],
      ]);
      expect(faces[0]!.boundingBox, pass).toEqual({ Width: 0.3, Height: 0.4, Left: 0.1, Top: 0.2 });
      expect(Array.from(store.getEmbedding("000000000000", "us-east-1", "faces", "f1")!), pass).toEqual(Array.from(Float32Array.from([0.2, 0.3, 0.4, 0.5])));
      expect(store.facesOfImage("000000000000", "us-east-1", "faces", "img1", "ana").map((f) => f.faceId), pass).toEqual(["f1"]);
      // A collection created now follows the old ones in ListCollections' order.
      if (pass === "rewritten") {
        store.createCollection("000000000000", "us-east-1", "new", 4_000);
        expect(store.listCollections("000000000000", "us-east-1").map((c) => c.collectionId)).toEqual(["faces", "new"]);
      }
      expect(records(dir, "rekognition").every((r) => typeof r.op === "string" && !("t" in r)), pass).toBe(true);
    }
    // The rewritten journal names its fields in full.
    expect(records(dir, "rekognition")[1]).toMatchObject({ op: "add-faces", accountId: "000000000000", region: "us-east-1", collectionId: "faces", faces: [{ faceId: "f1", externalImageId: "ana", space: "fixture" }, { faceId: "f333" }] });
  });

  it("s3-external: the regions, notification configurations and policies kept of an endpoint's buckets", async () => {
    const dir = dataDir({
      "s3-external": [
        { t: "region", bucket: "photos", region: "eu-west-1" },
        { t: "notification", bucket: "photos", config: { LambdaFunctionConfigurations: [] } },
        { t: "notification", bucket: "other", config: { LambdaFunctionConfigurations: [] } },
        { t: "policy", bucket: "other", policy: "{}" },
        { t: "policy", bucket: "other" },
        { t: "forget", bucket: "other" },
      ],
    });
    const fastify = Fastify();
    const s3 = createExternalS3(coreOn(dir), fastify, "http://127.0.0.1:1");
    expect(s3.health()).toMatchObject({ engine: "external", notificationConfigurations: 1 });
    await s3.close();
    await fastify.close();
  });
});
