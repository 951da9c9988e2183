import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "./logger.js";
import { ownedTempDir } from "./temp-dirs.js";

/**
 * Where state lives between restarts. A stack has a data directory, or none (ephemeral).
 *
 * Services keep their state in memory and record every change in an append-only journal of
 * JSON lines; on start they replay it. A torn last line (a crash or a full disk mid-write) is
 * cut off at load and kept aside as `<name>.jsonl.torn-<n>`, and every append starts on a line
 * of its own, so an interrupted write never spoils the records after it. `rewrite` compacts a
 * journal atomically.
 *
 * A store appends a change before it applies it in memory: an append that throws (a full disk)
 * fails the request, and memory never holds what the disk does not.
 */
export interface Persistence {
  /** The data directory, or null for an ephemeral stack. */
  readonly dataDir: string | null;
  journal<T>(name: string): Journal<T>;
  /** A sub-directory of the data directory for an engine's own files (created), or null. */
  directory(name: string): string | null;
  /**
   * From now on every journal write throws `reason` (and writes nothing): the stack this
   * persistence served was closed to be reset or restored, and its files are about to be
   * replaced, so a request still running in it fails instead of writing into the new state.
   */
  seal?(reason: string): void;
}

/**
 * The one shape of every journal's records: `op` names the change, a verb and a noun
 * ("put-object", "delete-pool"), and its other fields are named in full (bucket, poolId, user).
 * Each store's reader also takes the records it wrote before this shape (`t` with short keys):
 * data directories outlive upgrades. Stores that compact at start rewrite them in this shape.
 */
export interface JournalRecord {
  op: string;
}

export interface Journal<T> {
  /** Every record appended so far, in order. */
  load(): T[];
  /** Writes the record; throws (and records nothing) when it cannot, e.g. ENOSPC. */
  append(record: T): void;
  /** Replace the whole journal (compaction), atomically. */
  rewrite(records: T[]): void;
}

/** Where a journal reports what it found and did at load (a torn tail cut off, unreadable lines). */
export type JournalLog = Pick<Logger, "warn">;

const NEWLINE = 0x0a;

/** Shared by the journals of one persistence: why writes are refused, once sealed. */
interface SealState {
  sealed: string | null;
}

function refuseIfSealed(state: SealState | undefined): void {
  if (state?.sealed) throw new Error(state.sealed);
}

class FileJournal<T> implements Journal<T> {
  constructor(
    private readonly path: string,
    private readonly log: JournalLog | undefined,
    private readonly seal?: SealState,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  load(): T[] {
    if (!existsSync(this.path)) return [];
    let data: Buffer = readFileSync(this.path);
    if (data.length && data[data.length - 1] !== NEWLINE) data = this.cutTornTail(data);
    const out: T[] = [];
    let unreadable = 0;
    // Line by line from the bytes, never the whole file as one string: a journal can outgrow
    // the longest string V8 makes (512 MB; a million faces take ~1 GB of Rekognition's journal).
    for (let start = 0; start < data.length; ) {
      let end = data.indexOf(NEWLINE, start);
      if (end < 0) end = data.length;
      if (end > start) {
        try {
          out.push(JSON.parse(data.toString("utf8", start, end)) as T);
        } catch {
          unreadable++;
        }
      }
      start = end + 1;
    }
    // Only a journal written before torn tails were cut can hold one (a record appended onto
    // an unterminated line): it is lost either way, but say so.
    if (unreadable) this.log?.warn(`journal ${basename(this.path)}: skipped ${unreadable} unreadable line${unreadable === 1 ? "" : "s"}`);
    return out;
  }

  /**
   * A last line without its newline is a write that never finished (the process was killed
   * mid-append, or the disk was full): its record was never acknowledged. Cut it off, so the
   * next append starts a line of its own instead of continuing the fragment (which would make
   * that next, acknowledged, record unreadable), and keep the cut bytes beside the journal.
   */
  private cutTornTail(data: Buffer): Buffer {
    const keep = data.lastIndexOf(NEWLINE) + 1;
    let n = 1;
    while (existsSync(`${this.path}.torn-${n}`)) n++;
    const aside = `${this.path}.torn-${n}`;
    writeFileSync(aside, data.subarray(keep));
    truncateSync(this.path, keep);
    this.log?.warn(
      `journal ${basename(this.path)}: cut a torn last line of ${data.length - keep} bytes (a write interrupted by a crash or a full disk); kept in ${basename(aside)}`,
    );
    return data.subarray(0, keep);
  }

  /**
   * One line per record. The line always starts on a line of its own (a newline first when the
   * file does not end with one), and a write that fails part-way (ENOSPC) is rolled back, so a
   * failed append neither acknowledges its record nor spoils the next one.
   */
  append(record: T): void {
    refuseIfSealed(this.seal);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    const fd = openSync(this.path, "a+");
    let size = -1;
    try {
      size = fstatSync(fd).size;
      let data = line;
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== NEWLINE) data = Buffer.concat([Buffer.from("\n"), line]);
      }
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      if (size >= 0) {
        try {
          ftruncateSync(fd, size);
        } catch {
          // The next append starts on a fresh line, and the next load cuts the fragment.
        }
      }
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  rewrite(records: T[]): void {
    refuseIfSealed(this.seal);
    const tmp = `${this.path}.tmp`;
    // Written in pieces of a few MB, never as one string (see load()).
    const fd = openSync(tmp, "w");
    const write = (text: string) => {
      const bytes = Buffer.from(text, "utf8");
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    };
    try {
      let piece = "";
      for (const record of records) {
        piece += `${JSON.stringify(record)}\n`;
        if (piece.length > 4 * 1024 * 1024) {
          write(piece);
          piece = "";
        }
      }
      write(piece);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

class MemoryJournal<T> implements Journal<T> {
  private records: T[] = [];
  load(): T[] {
    return [...this.records];
  }
  append(record: T): void {
    this.records.push(record);
  }
  rewrite(records: T[]): void {
    this.records = [...records];
  }
}

export function filePersistence(dataDir: string, log?: JournalLog): Persistence {
  return filesUnder(dataDir, dataDir, log);
}

function filesUnder(root: string, dataDir: string | null, log: JournalLog | undefined): Persistence {
  mkdirSync(root, { recursive: true });
  const seal: SealState = { sealed: null };
  return {
    dataDir,
    journal: <T>(name: string) => new FileJournal<T>(join(root, `${name}.jsonl`), log, seal),
    directory: (name) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    seal: (reason) => {
      seal.sealed = reason;
    },
  };
}

/**
 * An ephemeral stack whose state can still be saved and restored (snapshots, reset): its
 * journals and engines' files live in a temporary directory, removed by `remove()` when the
 * stack closes. `dataDir` stays null: nothing is kept, and health says so.
 */
export interface TemporaryState {
  /** The temporary directory. */
  readonly root: string;
  /** A persistence over it (a fresh one per generation of the stack: each can be sealed alone). */
  persistence(): Persistence;
  remove(): void;
}

export function temporaryState(log?: JournalLog & Partial<Pick<Logger, "info">>): TemporaryState {
  // The state is a folder inside the temporary directory, beside its owner file (never part of a
  // snapshot): what a stack that was killed leaves is removed by the next one (server/core/temp-dirs.ts).
  const dir = ownedTempDir("rekognito-state-", (removed) =>
    log?.info?.(`removed ${removed} temporary state director${removed === 1 ? "y" : "ies"} left by rekognito processes that have ended`),
  );
  const root = join(dir, "state");
  mkdirSync(root);
  return {
    root,
    persistence: () => filesUnder(root, null, log),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Nothing is written anywhere; a journal lives only as long as the stack. */
export function ephemeralPersistence(): Persistence {
  return {
    dataDir: null,
    journal: <T>() => new MemoryJournal<T>(),
    directory: () => null,
  };
}
