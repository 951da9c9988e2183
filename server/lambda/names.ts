import { LambdaErrors } from "./errors.js";

/**
 * Function names as AWS takes them: a name, a partial ARN (`123456789012:function:name`) or a
 * full ARN, each optionally with a qualifier (`:1`, `:live`, `:$LATEST`).
 */

export interface ParsedName {
  name: string;
  qualifier?: string;
}

const NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
/** A published version's qualifier ("1", "2", ...), as opposed to an alias's name. */
export const VERSION_NUMBER = /^\d+$/;

/** The function's name and the qualifier in a name or ARN (a text that is neither is taken as a name). */
export function parseFunctionName(nameOrArn: string): ParsedName {
  const m = NAME.exec(nameOrArn);
  if (!m) return { name: nameOrArn };
  return m[2] ? { name: m[1]!, qualifier: m[2] } : { name: m[1]! };
}

/** The qualifier of a name or ARN and a Qualifier parameter, which must agree (AWS's check). */
export function nameAndQualifier(nameOrArn: string, qualifier: string | undefined): ParsedName {
  const parsed = parseFunctionName(nameOrArn);
  if (qualifier !== undefined && parsed.qualifier !== undefined && qualifier !== parsed.qualifier) {
    throw LambdaErrors.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
  }
  const q = qualifier ?? parsed.qualifier;
  return q === undefined ? { name: parsed.name } : { name: parsed.name, qualifier: q };
}

export function functionArn(accountId: string, region: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}
