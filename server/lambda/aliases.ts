import type { AliasConfiguration } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "./errors.js";
import type { StoredAlias, StoredFunction } from "./functions.js";

/** AWS's AliasConfiguration of a stored alias. */
export function aliasConfiguration(fn: StoredFunction, alias: StoredAlias): AliasConfiguration {
  return {
    AliasArn: `${fn.arn}:${alias.name}`,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RevisionId: alias.revisionId,
    ...(alias.weights ? { RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } } } : {}),
  };
}

/** A function's aliases (those pointing at `functionVersion` when given), in creation order. */
export function aliasesOf(fn: StoredFunction, functionVersion?: string): AliasConfiguration[] {
  return (fn.aliases ?? []).filter((a) => functionVersion === undefined || a.functionVersion === functionVersion).map((a) => aliasConfiguration(fn, a));
}

/**
 * What an alias may point at, as AWS checks it: existing versions, at most one additional
 * version with a weight between 0 and 1, never $LATEST when it routes between two.
 */
export function checkAliasTarget(fn: StoredFunction, functionVersion: string, weights: Record<string, number> | undefined): void {
  const exists = (v: string) => v === "$LATEST" || fn.versions?.some((x) => x.version === v);
  if (!exists(functionVersion)) throw LambdaErrors.functionNotFound(`${fn.arn}:${functionVersion}`);
  const entries = Object.entries(weights ?? {});
  if (!entries.length) return;
  if (entries.length > 1) throw LambdaErrors.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
  const [version, weight] = entries[0]!;
  if (functionVersion === "$LATEST" || version === "$LATEST") {
    throw LambdaErrors.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
  }
  if (version === functionVersion) throw LambdaErrors.invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
  if (!exists(version)) throw LambdaErrors.functionNotFound(`${fn.arn}:${version}`);
  if (!(weight >= 0 && weight <= 1)) throw LambdaErrors.invalidParameter("Invalid value for the version weight: it must be between 0.0 and 1.0.");
}
