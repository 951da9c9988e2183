import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";

/** Where object bytes live: files in the data directory, or memory for an ephemeral stack. */
export interface BodyStore {
  write(ref: string, data: Buffer): void;
  read(ref: string): Buffer;
  /** Bytes start..end inclusive. */
  stream(ref: string, start: number, end: number): Readable;
  remove(ref: string): void;
  /** Every stored ref (to sweep files no journal entry points to). */
  refs(): string[];
}

export class MemoryBodies implements BodyStore {
  private readonly bodies = new Map<string, Buffer>();
  write(ref: string, data: Buffer) {
    this.bodies.set(ref, data);
  }
  read(ref: string) {
    return this.bodies.get(ref) ?? Buffer.alloc(0);
  }
  stream(ref: string, start: number, end: number) {
    return Readable.from([this.read(ref).subarray(start, end + 1)]);
  }
  remove(ref: string) {
    this.bodies.delete(ref);
  }
  refs() {
    return [...this.bodies.keys()];
  }
}

export class FileBodies implements BodyStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  write(ref: string, data: Buffer) {
    const path = join(this.dir, ref);
    writeFileSync(`${path}.tmp`, data);
    renameSync(`${path}.tmp`, path);
  }
  read(ref: string) {
    return readFileSync(join(this.dir, ref));
  }
  stream(ref: string, start: number, end: number): Readable {
    if (end < start) return Readable.from([Buffer.alloc(0)]);
    return createReadStream(join(this.dir, ref), { start, end });
  }
  remove(ref: string) {
    const path = join(this.dir, ref);
    if (existsSync(path)) unlinkSync(path);
  }
  refs() {
    return readdirSync(this.dir);
  }
}

