import type { Journal } from "../core/persistence.js";

/** One statement of a function's resource-based policy (AddPermission). */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { Service: string } | { AWS: string } | string;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

/** Where a function's code lives. */
export type FunctionCodeSource =
  /** A deployment package, unpacked into `dir` (under the lambda data directory). */
  | { kind: "zip"; dir: string; zipPath: string }
  /** A local directory run in place (hot reload). */
  | { kind: "local"; dir: string };

/** What a function version fixes: its configuration and code ($LATEST's can change, a published version's cannot). */
export interface FunctionState {
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  architectures: string[];
  codeSha256: string;
  codeSize: number;
  /** Epoch milliseconds. */
  lastModified: number;
  revisionId: string;
  code: FunctionCodeSource;
  /** Layer version ARNs, in order. */
  layers?: string[];
}

/** A published version (PublishVersion): "1", "2", ... */
export interface StoredVersion extends FunctionState {
  version: string;
}

/** An alias (CreateAlias): a name for a version, optionally routing a share of calls to another. */
export interface StoredAlias {
  name: string;
  functionVersion: string;
  description: string;
  revisionId: string;
  /** AdditionalVersionWeights: version → share (0-1) of the calls. */
  weights?: Record<string, number>;
}

/** A function as rekognito keeps it (AWS's FunctionConfiguration is derived from it). */
export interface StoredFunction extends FunctionState {
  name: string;
  arn: string;
  region: string;
  policy: PolicyStatement[];
  tags: Record<string, string>;
  /** Published versions, oldest first. */
  versions?: StoredVersion[];
  /** The number the next published version gets (AWS never reuses one). */
  nextVersion?: number;
  aliases?: StoredAlias[];
  /** Resource policies of versions and aliases (AddPermission with a Qualifier), by qualifier. */
  qualifiedPolicies?: Record<string, PolicyStatement[]>;
  /** PutFunctionConcurrency's ReservedConcurrentExecutions. */
  reservedConcurrency?: number;
}

type JournalRecord = { type: "put"; fn: StoredFunction } | { type: "delete"; name: string };

/** The deployed functions, by name; every change is journaled. Knows nothing of HTTP or workers. */
export class FunctionRegistry {
  private readonly functions = new Map<string, StoredFunction>();

  constructor(private readonly journal: Journal<JournalRecord>) {
    for (const record of journal.load()) {
      if (record.type === "put") this.functions.set(record.fn.name, record.fn);
      else this.functions.delete(record.name);
    }
    journal.rewrite([...this.functions.values()].map((fn) => ({ type: "put", fn })));
  }

  get(name: string): StoredFunction | undefined {
    return this.functions.get(name);
  }

  list(): StoredFunction[] {
    return [...this.functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  put(fn: StoredFunction): void {
    this.journal.append({ type: "put", fn });
    this.functions.set(fn.name, fn);
  }

  delete(name: string): void {
    this.journal.append({ type: "delete", name });
    this.functions.delete(name);
  }

  get size(): number {
    return this.functions.size;
  }

  /** Whether a function or one of its versions uses the layer version (its files stay while one does). */
  usesLayer(arn: string): boolean {
    return this.list().some((fn) => fn.layers?.includes(arn) || fn.versions?.some((v) => v.layers?.includes(arn)));
  }
}

/** A published layer version (PublishLayerVersion), unpacked under the lambda data directory. */
export interface StoredLayerVersion {
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
  /** Epoch milliseconds. */
  createdDate: number;
  codeSha256: string;
  codeSize: number;
  /** Relative to the lambda data directory: the unpacked files and the zip as uploaded. */
  dir: string;
  zipPath: string;
}

export interface StoredLayer {
  name: string;
  region: string;
  versions: StoredLayerVersion[];
  nextVersion: number;
}

type LayerRecord = { type: "put"; layer: StoredLayer } | { type: "delete"; name: string };

/** The published layers, by name; every change is journaled. */
export class LayerRegistry {
  private readonly layers = new Map<string, StoredLayer>();

  constructor(private readonly journal: Journal<LayerRecord>) {
    for (const record of journal.load()) {
      if (record.type === "put") this.layers.set(record.layer.name, record.layer);
      else this.layers.delete(record.name);
    }
    journal.rewrite([...this.layers.values()].map((layer) => ({ type: "put", layer })));
  }

  get(name: string): StoredLayer | undefined {
    return this.layers.get(name);
  }

  list(): StoredLayer[] {
    return [...this.layers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  put(layer: StoredLayer): void {
    this.journal.append({ type: "put", layer });
    this.layers.set(layer.name, layer);
  }

  delete(name: string): void {
    this.journal.append({ type: "delete", name });
    this.layers.delete(name);
  }
}
