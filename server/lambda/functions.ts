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

/** A function as rekognito keeps it (AWS's FunctionConfiguration is derived from it). */
export interface StoredFunction {
  name: string;
  arn: string;
  region: string;
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
  policy: PolicyStatement[];
  tags: Record<string, string>;
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
}
