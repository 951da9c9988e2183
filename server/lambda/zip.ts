import { closeSync, mkdirSync, openSync, writeSync, chmodSync } from "node:fs";
import { dirname } from "node:path";
import { createInflateRaw } from "node:zlib";

/**
 * A deployment package read without trusting it: the central directory first (names, methods
 * and declared sizes), and the declared total checked against the limit before a byte is
 * inflated; then each entry inflated as a stream straight to disk, counting every byte, and
 * stopped the moment it outgrows what its entry declared or the running total passes the limit
 * (declared sizes can lie). A zip bomb costs milliseconds and a few chunks of memory, never its
 * inflated size.
 */

/** Why a package was refused: `size` (over the limit) or `corrupt` (anything else unreadable). */
export class ZipRefusal extends Error {
  constructor(
    readonly reason: "size" | "corrupt",
    message: string,
  ) {
    super(message);
  }
}

export interface ZipEntry {
  name: string;
  directory: boolean;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Unix permission bits when the archive was made on Unix (the executable bit of `bootstrap`). */
  mode: number | null;
  /** Where the entry's local header starts. */
  offset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

const corrupt = (why: string) => new ZipRefusal("corrupt", why);

function u64(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt("a zip64 field is out of range");
  return Number(value);
}

/** The entries of the central directory, as declared. */
export function readCentralDirectory(zip: Buffer): ZipEntry[] {
  if (zip.length < 22) throw corrupt("too short to be a zip");
  // The end record is the last 22 bytes plus a comment of at most 65,535 bytes.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === EOCD && at + 22 + zip.readUInt16LE(at + 20) <= zip.length) {
      end = at;
      break;
    }
  }
  if (end < 0) throw corrupt("no end of central directory");
  let count = zip.readUInt16LE(end + 10);
  let size = zip.readUInt32LE(end + 12);
  let offset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || size === U32_MAX || offset === U32_MAX) {
    const locator = end - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== ZIP64_LOCATOR) throw corrupt("no zip64 locator");
    const record = u64(zip, locator + 8);
    if (record + 56 > zip.length || zip.readUInt32LE(record) !== ZIP64_EOCD) throw corrupt("no zip64 end record");
    count = u64(zip, record + 32);
    size = u64(zip, record + 40);
    offset = u64(zip, record + 48);
  }
  if (offset + size > zip.length) throw corrupt("central directory out of bounds");

  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > offset + size || zip.readUInt32LE(at) !== CENTRAL) throw corrupt("bad central directory entry");
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    let compressedSize = zip.readUInt32LE(at + 20);
    let uncompressed = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    let local = zip.readUInt32LE(at + 42);
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength);
    const name = nameBytes.toString(flags & 0x800 ? "utf8" : "latin1");
    // Sizes and offset that do not fit 32 bits live in the zip64 extra field, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = zip.readUInt16LE(extra);
      const length = zip.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (uncompressed === U32_MAX) (uncompressed = u64(zip, field)), (field += 8);
        if (compressedSize === U32_MAX) (compressedSize = u64(zip, field)), (field += 8);
        if (local === U32_MAX) local = u64(zip, field);
      }
      extra += 4 + length;
    }
    if (flags & 0x1) throw corrupt(`${name} is encrypted`);
    const directory = name.endsWith("/");
    if (!directory && method !== 0 && method !== 8) throw corrupt(`${name} uses compression method ${method}`);
    if (method === 0 && compressedSize !== uncompressed) throw corrupt(`${name}: stored sizes differ`);
    const unixMode = madeBy === 3 ? (external >>> 16) & 0o777 : 0;
    entries.push({ name, directory, method, compressedSize, size: uncompressed, mode: unixMode || null, offset: local });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The compressed bytes of an entry (after its local header). */
function entryData(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.offset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) throw corrupt(`${entry.name}: bad local header`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const stop = start + entry.compressedSize;
  if (stop > zip.length) throw corrupt(`${entry.name}: data out of bounds`);
  return zip.subarray(start, stop);
}

/** Compressed bytes fed to the inflater per step: at DEFLATE's 1032:1 at most ~16 MB out. */
const SLICE = 16 * 1024;

/**
 * Inflates one entry to `target`, never past its declared size. Since the declared sizes add up
 * to at most the limit (checked first), capping every entry at its own keeps the running total
 * under the limit too. Resolves with the bytes written.
 */
async function inflateTo(data: Buffer, entry: ZipEntry, target: string): Promise<number> {
  mkdirSync(dirname(target), { recursive: true });
  const fd = openSync(target, "w", entry.mode ?? 0o644);
  try {
    if (entry.method === 0) {
      writeSync(fd, data);
      return data.length;
    }
    return await new Promise<number>((resolve, reject) => {
      const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
      let written = 0;
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        inflater.destroy();
        reject(error);
      };
      inflater.on("data", (chunk: Buffer) => {
        if (failed) return;
        written += chunk.length;
        if (written > entry.size) return fail(corrupt(`${entry.name} inflates beyond its declared ${entry.size} bytes`));
        try {
          writeSync(fd, chunk);
        } catch (error) {
          fail(error as Error);
        }
      });
      inflater.on("error", () => fail(corrupt(`${entry.name}: bad deflate data`)));
      inflater.on("end", () => {
        if (failed) return;
        if (written !== entry.size) return fail(corrupt(`${entry.name} inflates to ${written} bytes, declared ${entry.size}`));
        resolve(written);
      });
      // Feed small slices, waiting for the inflater to drain, so that its output (and our
      // memory) stays a few chunks deep whatever the ratio.
      let at = 0;
      const feed = () => {
        while (!failed && at < data.length) {
          const slice = data.subarray(at, Math.min(data.length, at + SLICE));
          at += slice.length;
          if (!inflater.write(slice)) return void inflater.once("drain", feed);
        }
        if (!failed) inflater.end();
      };
      feed();
    });
  } finally {
    closeSync(fd);
  }
}

export interface UnpackLimits {
  /** Largest total of the inflated files, bytes. */
  maxUnzippedBytes: number;
}

/**
 * Unpacks `zip` into `dest` with `place(name)` deciding each entry's path (or throwing to refuse
 * it). Throws ZipRefusal on anything over the limit or unreadable; what was written stays for
 * the caller to remove.
 */
export async function unpack(zip: Buffer, place: (name: string) => string, limits: UnpackLimits): Promise<{ files: number; bytes: number }> {
  const tooBig = () => new ZipRefusal("size", `Unzipped size must be smaller than ${limits.maxUnzippedBytes} bytes`);
  const entries = readCentralDirectory(zip);
  let declared = 0;
  for (const entry of entries) declared += entry.size;
  if (declared > limits.maxUnzippedBytes) throw tooBig();
  let total = 0;
  let files = 0;
  for (const entry of entries) {
    const target = place(entry.name);
    if (entry.directory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    total += await inflateTo(entryData(zip, entry), entry, target);
    if (entry.mode !== null) chmodSync(target, entry.mode);
    files++;
  }
  return { files, bytes: total };
}
