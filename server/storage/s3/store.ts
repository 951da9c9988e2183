import { join } from "node:path";
import type { Readable } from "node:stream";
import type { NotificationConfiguration } from "@aws-sdk/client-s3";
import type { CoreServices } from "../../core/services.js";
import type { Journal } from "../../core/persistence.js";
import { FileBodies, MemoryBodies, type BodyStore } from "./bodies.js";
import { S3Errors } from "./errors.js";
import { readS3Change, type S3Change } from "./journal.js";
import { abortDueOf, isExpired } from "./lifecycle.js";
import {
  compareKeys,
  newBucket,
  setConfig,
  type BucketConfig,
  type BucketConfigKind,
  type BucketRecord,
  type ObjectRecord,
  type PartRecord,
  type UploadRecord,
} from "./records.js";

/**
 * S3's state: buckets, objects and notification configurations. Knows nothing of HTTP.
 * Metadata changes go to the journal `s3`; bytes go to files under the `s3/objects`
 * directory (written before the journal entry that points at them, so a crash leaves at
 * worst an orphan file, swept on the next start). Ephemeral stacks keep it all in memory.
 */
export class S3Store {
  private readonly buckets = new Map<string, BucketRecord>();
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly journal: Journal<S3Change>;
  private readonly bodies: BodyStore;

  constructor(private readonly core: CoreServices) {
    this.journal = core.persistence.journal<S3Change>("s3");
    const dir = core.persistence.directory("s3");
    this.bodies = dir ? new FileBodies(join(dir, "objects")) : new MemoryBodies();
    this.replay();
  }

  private replay(): void {
    const entries = this.journal.load();
    if (!entries.length) return;
    for (const record of entries) {
      const e = readS3Change(record);
      switch (e?.op) {
        case "create-bucket":
          this.buckets.set(e.bucket, newBucket(e.bucket, e.region, e.creationDate));
          break;
        case "delete-bucket":
          this.buckets.delete(e.bucket);
          break;
        case "put-object": {
          const b = this.buckets.get(e.bucket);
          if (!b) break;
          if (!b.objects.has(e.object.key)) b.sortedKeys = null;
          b.objects.set(e.object.key, e.object);
          break;
        }
        case "delete-object": {
          const b = this.buckets.get(e.bucket);
          if (b?.objects.delete(e.key)) b.sortedKeys = null;
          break;
        }
        case "put-notification": {
          const b = this.buckets.get(e.bucket);
          if (b) b.notification = e.configuration;
          break;
        }
        case "put-config": {
          const b = this.buckets.get(e.bucket);
          if (b) setConfig(b.config, e.kind, e.value);
          break;
        }
        case "create-upload":
          if (this.buckets.has(e.upload.bucket)) this.uploads.set(e.upload.uploadId, { ...e.upload, parts: new Map() });
          break;
        case "put-part":
          this.uploads.get(e.uploadId)?.parts.set(e.part.partNumber, e.part);
          break;
        case "end-upload":
          this.uploads.delete(e.uploadId);
          break;
      }
    }
    // Compact: one entry per live bucket, object and configuration; drop unreferenced bytes.
    const compacted: S3Change[] = [];
    const live = new Set<string>();
    for (const b of this.buckets.values()) {
      compacted.push({ op: "create-bucket", bucket: b.name, region: b.region, creationDate: b.creationDate });
      if (Object.keys(b.notification).length) compacted.push({ op: "put-notification", bucket: b.name, configuration: b.notification });
      for (const [kind, value] of Object.entries(b.config)) {
        if (value !== undefined) compacted.push({ op: "put-config", bucket: b.name, kind: kind as BucketConfigKind, value });
      }
      for (const o of b.objects.values()) {
        compacted.push({ op: "put-object", bucket: b.name, object: o });
        live.add(o.body);
      }
    }
    for (const u of this.uploads.values()) {
      if (!this.buckets.has(u.bucket)) continue;
      const { parts, ...upload } = u;
      compacted.push({ op: "create-upload", upload });
      for (const part of parts.values()) {
        compacted.push({ op: "put-part", uploadId: u.uploadId, part });
        live.add(part.body);
      }
    }
    this.journal.rewrite(compacted);
    for (const ref of this.bodies.refs()) if (!live.has(ref)) this.bodies.remove(ref);
  }

  listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findBucket(name: string): BucketRecord | undefined {
    return this.buckets.get(name);
  }

  /** The bucket, or NoSuchBucket. */
  bucket(name: string): BucketRecord {
    const b = this.buckets.get(name);
    if (!b) throw S3Errors.noSuchBucket(name);
    return b;
  }

  createBucket(name: string, region: string): BucketRecord {
    const b = newBucket(name, region, this.core.clock.now());
    // Journal first, here and below: a change the disk refused (ENOSPC) fails the request and never reaches memory.
    this.journal.append({ op: "create-bucket", bucket: name, region, creationDate: b.creationDate });
    this.buckets.set(name, b);
    return b;
  }

  deleteBucket(name: string): void {
    this.expireObjects(name);
    const b = this.bucket(name);
    if (b.objects.size) throw S3Errors.bucketNotEmpty(name);
    for (const u of [...this.uploads.values()]) if (u.bucket === name) this.abortUpload(u.uploadId);
    this.journal.append({ op: "delete-bucket", bucket: name });
    this.buckets.delete(name);
  }

  createUpload(upload: Omit<UploadRecord, "parts" | "uploadId" | "initiated">): UploadRecord {
    this.bucket(upload.bucket);
    const record: UploadRecord = {
      ...upload,
      uploadId: this.core.ids.bytes(24).toString("base64url"),
      initiated: this.core.clock.now(),
      parts: new Map(),
    };
    const { parts: _parts, ...entry } = record;
    this.journal.append({ op: "create-upload", upload: entry });
    this.uploads.set(record.uploadId, record);
    return record;
  }

  /** Aborts the bucket's uploads a lifecycle rule's AbortIncompleteMultipartUpload has made due. */
  private abortDueUploads(bucket: string): void {
    const rules = this.bucket(bucket).config.lifecycle;
    if (!rules) return;
    const now = this.core.clock.now();
    for (const u of [...this.uploads.values()]) {
      if (u.bucket === bucket && rules.some((rule) => { const due = abortDueOf(rule, u); return due !== undefined && now >= due; })) this.abortUpload(u.uploadId);
    }
  }

  /** The upload, or NoSuchUpload (also when it belongs to another bucket or key, or a lifecycle rule aborted it). */
  upload(bucket: string, key: string, uploadId: string): UploadRecord {
    this.abortDueUploads(bucket);
    const u = this.uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw S3Errors.noSuchUpload(uploadId);
    return u;
  }

  listUploads(bucket: string): UploadRecord[] {
    this.abortDueUploads(bucket);
    return [...this.uploads.values()]
      .filter((u) => u.bucket === bucket)
      .sort((a, b) => compareKeys(a.key, b.key) || a.initiated - b.initiated);
  }

  putPart(uploadId: string, part: Omit<PartRecord, "body">, data: Buffer): PartRecord {
    const u = this.uploads.get(uploadId);
    if (!u) throw S3Errors.noSuchUpload(uploadId);
    const record: PartRecord = { ...part, body: this.core.ids.uuid() };
    this.bodies.write(record.body, data);
    const previous = u.parts.get(part.partNumber);
    this.appendOrDrop({ op: "put-part", uploadId, part: record }, record.body);
    u.parts.set(part.partNumber, record);
    if (previous) this.bodies.remove(previous.body);
    return record;
  }

  readPart(part: PartRecord): Buffer {
    return this.bodies.read(part.body);
  }

  /** Ends an upload (completed or aborted): its parts' bytes are dropped. */
  abortUpload(uploadId: string): void {
    const u = this.uploads.get(uploadId);
    if (!u) throw S3Errors.noSuchUpload(uploadId);
    this.journal.append({ op: "end-upload", uploadId });
    this.uploads.delete(uploadId);
    for (const part of u.parts.values()) this.bodies.remove(part.body);
  }

  setNotification(name: string, config: NotificationConfiguration): void {
    const b = this.bucket(name);
    this.journal.append({ op: "put-notification", bucket: name, configuration: config });
    b.notification = config;
  }

  /** Sets (value) or deletes (undefined) one configuration of a bucket. */
  setConfig<K extends BucketConfigKind>(name: string, kind: K, value: BucketConfig[K] | undefined): void {
    const b = this.bucket(name);
    this.journal.append({ op: "put-config", bucket: name, kind, ...(value === undefined ? {} : { value }) });
    setConfig(b.config, kind, value);
  }

  /**
   * The object, unless a lifecycle rule has expired it: an expired object is removed when
   * first noticed (here), so it is absent for GET, HEAD and List alike.
   */
  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const b = this.bucket(bucket);
    const o = b.objects.get(key);
    if (o && b.config.lifecycle && isExpired(b.config.lifecycle, o, this.core.clock.now())) {
      this.deleteObject(bucket, key);
      return undefined;
    }
    return o;
  }

  /** Removes every object of the bucket that a lifecycle rule has expired by now. */
  expireObjects(bucket: string): void {
    const b = this.bucket(bucket);
    const rules = b.config.lifecycle;
    if (!rules) return;
    const now = this.core.clock.now();
    for (const o of [...b.objects.values()]) if (isExpired(rules, o, now)) this.deleteObject(bucket, o.key);
  }

  /** Stores the bytes and the record (its `body` is assigned here); replaces any previous object. */
  putObject(bucket: string, object: Omit<ObjectRecord, "body">, data: Buffer): ObjectRecord {
    const b = this.bucket(bucket);
    const record: ObjectRecord = { ...object, body: this.core.ids.uuid() };
    this.bodies.write(record.body, data);
    const previous = b.objects.get(record.key);
    this.appendOrDrop({ op: "put-object", bucket, object: record }, record.body);
    if (!previous) b.sortedKeys = null;
    b.objects.set(record.key, record);
    if (previous) this.bodies.remove(previous.body);
    return record;
  }

  /** True when there was an object to delete. */
  deleteObject(bucket: string, key: string): boolean {
    const b = this.bucket(bucket);
    const previous = b.objects.get(key);
    if (!previous) return false;
    this.journal.append({ op: "delete-object", bucket, key });
    b.objects.delete(key);
    b.sortedKeys = null;
    this.bodies.remove(previous.body);
    return true;
  }

  /** Journals an entry that points at bytes just written; when the journal refuses it, the bytes go too. */
  private appendOrDrop(entry: S3Change, body: string): void {
    try {
      this.journal.append(entry);
    } catch (error) {
      this.bodies.remove(body);
      throw error;
    }
  }

  readBody(object: ObjectRecord): Buffer {
    return this.bodies.read(object.body);
  }

  streamBody(object: ObjectRecord, start: number, end: number): Readable {
    return this.bodies.stream(object.body, start, end);
  }

  /** Every key of the bucket in S3's order (UTF-8 byte order). */
  sortedKeys(bucket: string): string[] {
    this.expireObjects(bucket);
    const b = this.bucket(bucket);
    if (!b.sortedKeys) b.sortedKeys = [...b.objects.keys()].sort(compareKeys);
    return b.sortedKeys;
  }

  stats(): { buckets: number; objects: number; multipartUploads: number } {
    let objects = 0;
    for (const b of this.buckets.values()) objects += b.objects.size;
    return { buckets: this.buckets.size, objects, multipartUploads: this.uploads.size };
  }
}
