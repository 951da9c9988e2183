import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { FunctionRegistry, FunctionState, StoredFunction, StoredVersion } from "./functions.js";

/** The fields of a function's state that make it a new version when they change. */
function versionSignature(state: FunctionState): string {
  return JSON.stringify([
    state.codeSha256,
    state.runtime,
    state.role,
    state.handler,
    state.description,
    state.timeout,
    state.memorySize,
    state.environment,
    state.architectures,
    state.layers ?? [],
    state.code,
  ]);
}

/** A copy of $LATEST's configuration and code. */
function stateOf(fn: StoredFunction): FunctionState {
  return {
    runtime: fn.runtime,
    role: fn.role,
    handler: fn.handler,
    description: fn.description,
    timeout: fn.timeout,
    memorySize: fn.memorySize,
    environment: { ...fn.environment },
    architectures: [...fn.architectures],
    codeSha256: fn.codeSha256,
    codeSize: fn.codeSize,
    lastModified: fn.lastModified,
    revisionId: fn.revisionId,
    code: fn.code,
    ...(fn.layers?.length ? { layers: [...fn.layers] } : {}),
  };
}

/** Published versions: PublishVersion, and CreateFunction's and UpdateFunctionCode's Publish. */
export class Versions {
  constructor(
    private readonly functions: FunctionRegistry,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * A snapshot of $LATEST's code and configuration as version N (AWS never reuses a number).
   * As AWS, when neither changed since the last version, that version is returned and no new
   * one made.
   */
  publish(fn: StoredFunction, description: string | undefined): { fn: StoredFunction; version: StoredVersion } {
    const last = fn.versions?.[fn.versions.length - 1];
    if (last && versionSignature(last) === versionSignature({ ...stateOf(fn), description: last.description })) return { fn, version: last };
    const number = fn.nextVersion ?? (fn.versions?.length ? Math.max(...fn.versions.map((v) => Number(v.version))) + 1 : 1);
    const version: StoredVersion = {
      ...stateOf(fn),
      version: String(number),
      description: description ?? fn.description,
      lastModified: this.clock.now(),
      revisionId: this.ids.uuid(),
    };
    const updated: StoredFunction = { ...fn, versions: [...(fn.versions ?? []), version], nextVersion: number + 1, revisionId: this.ids.uuid() };
    this.functions.put(updated);
    return { fn: updated, version };
  }
}
