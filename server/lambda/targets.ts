import { LambdaErrors } from "./errors.js";
import type { FunctionRegistry, FunctionState, StoredAlias, StoredFunction } from "./functions.js";
import { functionArn, nameAndQualifier, VERSION_NUMBER } from "./names.js";

/** What a name, ARN or qualifier designates: a function at $LATEST, at a published version, or through an alias. */
export interface Target {
  fn: StoredFunction;
  /** Its configuration and code at that version. */
  state: FunctionState;
  /** "$LATEST" or the version number (an alias resolved). */
  version: string;
  /** The qualifier the caller named (a version, an alias), if any. */
  qualifier?: string;
  /** The ARN invoked: qualified when the caller qualified it. */
  arn: string;
}

/**
 * Resolves names, ARNs and qualifiers to functions, versions and aliases, with
 * ResourceNotFoundException worded as AWS words it; an alias with AdditionalVersionWeights
 * shares its calls between its versions here.
 */
export class Targets {
  /** Alias routing's running tally per alias ARN (weighted, deterministic). */
  private readonly routed = new Map<string, number>();

  constructor(
    private readonly functions: FunctionRegistry,
    private readonly accountId: string,
    private readonly defaultRegion: string,
  ) {}

  arnOf(name: string, region: string = this.defaultRegion): string {
    return functionArn(this.accountId, region, name);
  }

  /** The function, or ResourceNotFoundException worded as AWS words it; a qualifier must name $LATEST, a version or an alias. */
  require(nameOrArn: string, region?: string, qualifier?: string): StoredFunction {
    return this.resolve(nameOrArn, region, qualifier).fn;
  }

  /**
   * What a name, ARN or qualifier designates: the function at $LATEST, a version, or an
   * alias's version (`route`: the version this call goes to by the alias's weights; without it,
   * the alias's main version).
   */
  resolve(nameOrArn: string, region?: string, qualifier?: string, options: { route?: boolean } = {}): Target {
    const { name, qualifier: q } = nameAndQualifier(nameOrArn, qualifier);
    const fn = this.functions.get(name);
    const arn = this.arnOf(name, fn?.region ?? region);
    if (!fn) throw LambdaErrors.functionNotFound(q !== undefined && q !== "$LATEST" ? `${arn}:${q}` : arn);
    if (q === undefined || q === "$LATEST") {
      return { fn, state: fn, version: "$LATEST", ...(q ? { qualifier: q } : {}), arn: q ? `${fn.arn}:${q}` : fn.arn };
    }
    if (VERSION_NUMBER.test(q)) {
      const version = fn.versions?.find((v) => v.version === q);
      if (!version) throw LambdaErrors.functionNotFound(`${fn.arn}:${q}`);
      return { fn, state: version, version: q, qualifier: q, arn: `${fn.arn}:${q}` };
    }
    const alias = fn.aliases?.find((a) => a.name === q);
    if (!alias) throw LambdaErrors.functionNotFound(`${fn.arn}:${q}`);
    const versionName = options.route ? this.route(fn, alias) : alias.functionVersion;
    const state = versionName === "$LATEST" ? fn : fn.versions?.find((v) => v.version === versionName);
    if (!state) throw LambdaErrors.functionNotFound(`${fn.arn}:${versionName}`);
    return { fn, state, version: versionName, qualifier: q, arn: `${fn.arn}:${q}` };
  }

  exists(nameOrArn: string): boolean {
    try {
      this.resolve(nameOrArn);
      return true;
    } catch {
      return false;
    }
  }

  /** Starts an alias's share of calls afresh (UpdateAlias gave it new weights). */
  resetRouting(fn: StoredFunction, aliasName: string): void {
    this.routed.delete(`${fn.arn}:${aliasName}`);
  }

  /**
   * The version an alias sends this call to: its AdditionalVersionWeights share the calls with
   * its main version, in proportion, deterministically (a running tally rather than a coin).
   */
  private route(fn: StoredFunction, alias: StoredAlias): string {
    const weights = Object.entries(alias.weights ?? {});
    if (!weights.length) return alias.functionVersion;
    const key = `${fn.arn}:${alias.name}`;
    const n = (this.routed.get(key) ?? 0) + 1;
    this.routed.set(key, n);
    // Call n goes to the version whose cumulative share first exceeds the fractional position.
    const position = ((n * 0.6180339887498949) % 1 + 1) % 1;
    let cumulative = 0;
    for (const [version, weight] of weights) {
      cumulative += weight;
      if (position < cumulative) return version;
    }
    return alias.functionVersion;
  }
}
