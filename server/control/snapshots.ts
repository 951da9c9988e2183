import { constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { TableDump } from "./dynamodb-state.js";

/**
 * Snapshots of a stack's state, kept in its state directory (the data directory, or an
 * ephemeral stack's temporary one) under `snapshots/<name>/`:
 *
 *   meta.json       what it is (name, when by the stack's clock, the app's resources, counts)
 *   dynamodb.json   the tables, their tags and items (dynamodb-state.ts)
 *   files/          every other file of the state: the services' journals (Cognito's with
 *                   the user pools' signing keys, so restored tokens still verify), S3's
 *                   object bytes, Lambda's unpacked packages, the stack's provisioning journal
 *
 * Left out: `snapshots/` itself, `dynamodb/` (the engine's LevelDB, dumped as JSON instead),
 * symbolic links (the Lambda runner links the SDK it provides, and makes the links again) and
 * half-written `*.tmp` files. Every top-level entry of the state belongs to one service by
 * its name, which is what a per-service reset replaces.
 */
export const SNAPSHOTS = "snapshots";
/** The engine's LevelDB directory: never copied, never deleted while the engine runs. */
const ENGINE_DIR = "dynamodb";
/** The state of a just-started stack, which reset goes back to. Names starting with "." are rekognito's own. */
export const BASELINE = ".baseline";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const isSnapshotName = (name: string): boolean => NAME.test(name);

/** The services whose state a reset can clear alone, and the names they answer to. */
export const SERVICES = ["cognito", "mailbox", "rekognition", "s3", "dynamodb", "lambda"] as const;
export type ServiceName = (typeof SERVICES)[number];
const ALIASES: Record<string, ServiceName> = {
  "cognito-idp": "cognito",
  ses: "mailbox",
  sesv2: "mailbox",
  email: "mailbox",
  "lambda-functions": "lambda",
};
export function serviceNamed(name: string): ServiceName | undefined {
  const lower = name.toLowerCase();
  return (SERVICES as readonly string[]).includes(lower) ? (lower as ServiceName) : ALIASES[lower];
}

/** Which service a top-level entry of the state belongs to (by its name), or "stack" (the provisioning journal, anything else). */
export function serviceOfEntry(entry: string): ServiceName | "stack" {
  if (entry.startsWith("cognito-mailbox")) return "mailbox";
  for (const service of ["cognito", "rekognition", "s3", "dynamodb", "lambda"] as const) {
    if (entry === service || entry.startsWith(`${service}.`) || entry.startsWith(`${service}-`)) return service;
  }
  return "stack";
}

export interface SnapshotMeta {
  name: string;
  /** When it was taken, by the stack's clock (ISO 8601). */
  createdAt: string;
  /** The rekognito version that took it. */
  version: string;
  /** The face-login app's resources (health's `resources`) when it was taken. */
  resources: Record<string, string>;
  /** What the state it holds was made from (a baseline is reused only while this matches). */
  fingerprint?: string;
  files: number;
  /** Bytes of files/ and dynamodb.json. */
  bytes: number;
  tables: number;
  items: number;
  /** Counts of what each service held (from health), e.g. { "cognito-idp": { userPools: 1, users: 7 } }. */
  contents: Record<string, Record<string, number>>;
}

export interface SnapshotContent {
  meta: SnapshotMeta;
  tables: TableDump[];
  /** Paths relative to the state directory, "/"-separated. */
  files: Map<string, Buffer>;
}

function stateEntries(stateDir: string): string[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir).filter((entry) => entry !== SNAPSHOTS && entry !== ENGINE_DIR);
}

/** True when the state directory holds nothing of a stack yet (a fresh data directory). */
export function isFreshState(stateDir: string): boolean {
  return stateEntries(stateDir).length === 0;
}

/** Every file to keep under `dir` (relative paths), without links and `*.tmp`. */
function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) walk(path, base, out);
    else if (stat.isFile() && !entry.endsWith(".tmp")) out.push(relative(base, path));
  }
  return out;
}

/** Copies a file, sharing its blocks where the filesystem can (copy-on-write), else byte by byte. */
function copy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to, constants.COPYFILE_FICLONE);
}

const toPosix = (path: string) => path.split(sep).join("/");
const fromPosix = (path: string) => path.split("/").join(sep);

export class SnapshotStore {
  constructor(private readonly stateDir: string) {}

  private dirOf(name: string): string {
    return join(this.stateDir, SNAPSHOTS, name);
  }

  has(name: string): boolean {
    return existsSync(join(this.dirOf(name), "meta.json"));
  }

  meta(name: string): SnapshotMeta | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dirOf(name), "meta.json"), "utf8")) as SnapshotMeta;
    } catch {
      return undefined;
    }
  }

  /** The snapshots kept, oldest first; rekognito's own (".baseline") only when asked. */
  list(options: { own?: boolean } = {}): SnapshotMeta[] {
    const root = join(this.stateDir, SNAPSHOTS);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((name) => (options.own ? !name.startsWith(".saving-") && !name.startsWith(".importing-") : !name.startsWith(".")))
      .map((name) => this.meta(name))
      .filter((meta): meta is SnapshotMeta => meta !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  /**
   * Saves the state directory's files and the given tables under `name`, replacing a snapshot
   * of that name. Written beside and renamed into place, so a crash never leaves half of one.
   */
  save(meta: Omit<SnapshotMeta, "files" | "bytes" | "tables" | "items">, tables: TableDump[], options: { files?: boolean } = {}): SnapshotMeta {
    const target = this.dirOf(meta.name);
    // Beside it, under a name no snapshot can have (".": rekognito's own), so list() never sees it half-made.
    const staging = this.dirOf(`.saving-${meta.name}-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, "files"), { recursive: true });
    let bytes = 0;
    let files = 0;
    for (const entry of options.files === false ? [] : stateEntries(this.stateDir)) {
      const path = join(this.stateDir, entry);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      const list = stat.isDirectory() ? walk(path).map((p) => join(entry, p)) : entry.endsWith(".tmp") ? [] : [entry];
      for (const file of list) {
        copy(join(this.stateDir, file), join(staging, "files", file));
        bytes += statSync(join(this.stateDir, file)).size;
        files++;
      }
    }
    const dynamodb = JSON.stringify(tables);
    writeFileSync(join(staging, "dynamodb.json"), dynamodb);
    bytes += Buffer.byteLength(dynamodb);
    const full: SnapshotMeta = { ...meta, files, bytes, tables: tables.length, items: tables.reduce((n, t) => n + t.items.length, 0) };
    writeFileSync(join(staging, "meta.json"), `${JSON.stringify(full, null, 2)}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return full;
  }

  tables(name: string): TableDump[] {
    return JSON.parse(readFileSync(join(this.dirOf(name), "dynamodb.json"), "utf8")) as TableDump[];
  }

  /**
   * Replaces the state directory's files with the snapshot's: all of them, or only those of
   * `service`. The engine's LevelDB is left alone (its tables are restored through the engine).
   * Call it only while no generation of the stack has these files open for writing.
   */
  restoreFiles(name: string, service?: ServiceName): void {
    clearState(this.stateDir, service);
    const files = join(this.dirOf(name), "files");
    if (!existsSync(files)) return;
    for (const entry of readdirSync(files)) {
      if (service && serviceOfEntry(entry) !== service) continue;
      const path = join(files, entry);
      const list = statSync(path).isDirectory() ? walk(path).map((p) => join(entry, p)) : [entry];
      for (const file of list) copy(join(files, file), join(this.stateDir, file));
    }
  }

  delete(name: string): boolean {
    if (!this.has(name)) return false;
    rmSync(this.dirOf(name), { recursive: true, force: true });
    return true;
  }

  /** The whole snapshot in memory (to export it as one file). */
  read(name: string): SnapshotContent {
    const dir = this.dirOf(name);
    const files = new Map<string, Buffer>();
    const root = join(dir, "files");
    if (existsSync(root)) for (const file of walk(root)) files.set(toPosix(file), readFileSync(join(root, file)));
    return { meta: this.meta(name)!, tables: this.tables(name), files };
  }

  /** Writes an imported snapshot under `name` (replacing one of that name). */
  write(name: string, content: SnapshotContent): SnapshotMeta {
    const target = this.dirOf(name);
    const staging = this.dirOf(`.importing-${name}-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, "files"), { recursive: true });
    let bytes = 0;
    for (const [file, data] of content.files) {
      const path = join(staging, "files", fromPosix(file));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
      bytes += data.length;
    }
    const dynamodb = JSON.stringify(content.tables);
    writeFileSync(join(staging, "dynamodb.json"), dynamodb);
    bytes += Buffer.byteLength(dynamodb);
    const meta: SnapshotMeta = {
      ...content.meta,
      name,
      files: content.files.size,
      bytes,
      tables: content.tables.length,
      items: content.tables.reduce((n, t) => n + t.items.length, 0),
    };
    writeFileSync(join(staging, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return meta;
  }
}

/** Removes the state's files (all, or one service's); snapshots and the engine's LevelDB stay. */
export function clearState(stateDir: string, service?: ServiceName): void {
  for (const entry of stateEntries(stateDir)) {
    if (service && serviceOfEntry(entry) !== service) continue;
    rmSync(join(stateDir, entry), { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ one file

/** The format of an exported snapshot: one JSON document, files in base64. */
export const BUNDLE_FORMAT = "rekognito-snapshot";
export const BUNDLE_VERSION = 1;

interface Bundle {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  meta: SnapshotMeta;
  dynamodb: TableDump[];
  files: { path: string; base64: string }[];
}

export function toBundle(content: SnapshotContent): Buffer {
  const bundle: Bundle = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    meta: content.meta,
    dynamodb: content.tables,
    files: [...content.files].map(([path, data]) => ({ path, base64: data.toString("base64") })),
  };
  return Buffer.from(JSON.stringify(bundle));
}

/** Reads an exported snapshot; throws an Error saying what is wrong with it. */
export function fromBundle(bytes: Buffer): SnapshotContent {
  let bundle: Partial<Bundle>;
  try {
    bundle = JSON.parse(bytes.toString("utf8")) as Partial<Bundle>;
  } catch {
    throw new Error("not a rekognito snapshot: the body is not JSON (export one with GET /_rekognito/snapshots/<name>/export)");
  }
  if (typeof bundle !== "object" || bundle === null || bundle.format !== BUNDLE_FORMAT) {
    throw new Error(`not a rekognito snapshot: "format" is not "${BUNDLE_FORMAT}"`);
  }
  if (bundle.formatVersion !== BUNDLE_VERSION) throw new Error(`a rekognito snapshot of format version ${String(bundle.formatVersion)}; this rekognito reads version ${BUNDLE_VERSION}`);
  if (!bundle.meta || typeof bundle.meta !== "object" || !Array.isArray(bundle.dynamodb) || !Array.isArray(bundle.files)) {
    throw new Error("a rekognito snapshot needs meta, dynamodb and files");
  }
  const files = new Map<string, Buffer>();
  for (const file of bundle.files) {
    const path = typeof file?.path === "string" ? file.path : "";
    // Relative, inside the state, and not where a snapshot or the engine lives.
    const parts = path.split("/");
    if (!path || path.startsWith("/") || path.includes("\\") || parts.some((p) => p === "" || p === "." || p === "..") || parts[0] === SNAPSHOTS || parts[0] === ENGINE_DIR) {
      throw new Error(`a rekognito snapshot names a file outside the state: ${JSON.stringify(path)}`);
    }
    if (typeof file.base64 !== "string") throw new Error(`a rekognito snapshot's file ${path} has no base64 content`);
    files.set(path, Buffer.from(file.base64, "base64"));
  }
  for (const table of bundle.dynamodb) {
    if (!table || typeof table !== "object" || typeof table.definition?.TableName !== "string" || !Array.isArray(table.items) || !Array.isArray(table.tags)) {
      throw new Error("a rekognito snapshot's DynamoDB table needs definition.TableName, tags and items");
    }
  }
  return { meta: bundle.meta, tables: bundle.dynamodb, files };
}
