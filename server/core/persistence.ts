import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Where state lives between restarts. A stack has a data directory, or none (ephemeral).
 *
 * Services keep their state in memory and record every change in an append-only journal of
 * JSON lines; on start they replay it. A torn last line (a crash mid-write) is skipped, so a
 * journal is never corrupted by an interrupted write. `rewrite` compacts a journal atomically.
 */
export interface Persistence {
  /** The data directory, or null for an ephemeral stack. */
  readonly dataDir: string | null;
  journal<T>(name: string): Journal<T>;
  /** A sub-directory of the data directory for an engine's own files (created), or null. */
  directory(name: string): string | null;
}

export interface Journal<T> {
  /** Every record appended so far, in order. */
  load(): T[];
  append(record: T): void;
  /** Replace the whole journal (compaction), atomically. */
  rewrite(records: T[]): void;
}

class FileJournal<T> implements Journal<T> {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  load(): T[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, "utf8");
    const out: T[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // A torn line from an interrupted write: skip it.
      }
    }
    return out;
  }
  append(record: T): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
  rewrite(records: T[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, records.map((r) => `${JSON.stringify(r)}\n`).join(""));
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

export function filePersistence(dataDir: string): Persistence {
  mkdirSync(dataDir, { recursive: true });
  return {
    dataDir,
    journal: <T>(name: string) => new FileJournal<T>(join(dataDir, `${name}.jsonl`)),
    directory: (name) => {
      const dir = join(dataDir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
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
