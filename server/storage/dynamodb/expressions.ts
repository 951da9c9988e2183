/**
 * DynamoDB's limits on expressions, checked in one linear pass before dynalite parses them.
 * dynalite's parsers backtrack: an expression of 25 redundant parentheses took it minutes,
 * blocking every request behind it. What it is refused with is DynamoDB's own answer
 * (the wordings, checked against DynamoDB, follow "Invalid <Name>Expression: ").
 *
 * Parentheses without their match are refused here too, as the syntax errors they are.
 *
 * Limits (DynamoDB developer guide, "Constraints", expression parameters): an expression is at
 * most 4 KB; an expression holds at most 300 operators (documented for UpdateExpression,
 * "operators or functions"; DynamoDB applies it to condition expressions too, counting
 * comparators, AND, OR, NOT, BETWEEN and IN but neither parentheses nor function calls).
 */

export const MAX_EXPRESSION_BYTES = 4096;
export const MAX_OPERATORS = 300;

export type ExpressionKind = "condition" | "update" | "projection";

/** A token and where it is in the expression (`at`, `end`), for the "near" of a syntax error. */
type Token = { t: "(" | ")" | "word" | "cmp" | "arith" | "other"; word?: string; at: number; end: number };

/** Splits an expression into the tokens the checks need (no strings: values are `:placeholders`). */
function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const n = expression.length;
  let i = 0;
  while (i < n) {
    const c = expression[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push({ t: c, at: i, end: i + 1 });
      i++;
    } else if (c === "=") {
      tokens.push({ t: "cmp", at: i, end: i + 1 });
      i++;
    } else if (c === "<" || c === ">") {
      const next = expression[i + 1];
      const length = next === "=" || (c === "<" && next === ">") ? 2 : 1;
      tokens.push({ t: "cmp", at: i, end: i + length });
      i += length;
    } else if (c === "+" || c === "-") {
      tokens.push({ t: "arith", at: i, end: i + 1 });
      i++;
    } else if (/[A-Za-z0-9_#:]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(expression[j]!)) j++;
      tokens.push({ t: "word", word: expression.slice(i, j), at: i, end: j });
      i = j;
    } else {
      tokens.push({ t: "other", at: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

/** A `(` that opens a group, not a function's arguments (`size(`) nor an IN list (`IN (`). */
function opensGroup(tokens: Token[], i: number): boolean {
  const before = tokens[i - 1];
  if (before?.t !== "word") return true;
  const word = before.word!.toUpperCase();
  return word === "AND" || word === "OR" || word === "NOT";
}

/**
 * A parenthesis without its match is a syntax error, in DynamoDB's form ("Syntax error; token:
 * \"<EOF>\", near: \"…\""; near is the token and the one after it, or the last two before
 * the end). dynalite's parser takes exponential time over deep unmatched parentheses.
 */
function unbalanced(expression: string, tokens: Token[]): string | null {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.t;
    if (t === "(") depth++;
    else if (t === ")" && --depth < 0) {
      const near = expression.slice(tokens[i]!.at, (tokens[i + 1] ?? tokens[i]!).end);
      return `Syntax error; token: ")", near: "${near}"`;
    }
  }
  if (depth === 0) return null;
  const near = expression.slice(tokens[Math.max(0, tokens.length - 2)]!.at, tokens[tokens.length - 1]!.end);
  return `Syntax error; token: "<EOF>", near: "${near}"`;
}

/**
 * DynamoDB's rule: a group whose whole content is one group, `((a = :v))`, is redundant
 * (a single group around an expression, or around a combination, is not).
 */
function hasRedundantParentheses(tokens: Token[]): boolean {
  const open: number[] = [];
  const closeOf = new Map<number, number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.t;
    if (t === "(") open.push(i);
    else if (t === ")") {
      const o = open.pop();
      if (o === undefined) return false; // unbalanced: dynalite answers its syntax error
      closeOf.set(o, i);
      if (tokens[o + 1]?.t === "(" && closeOf.get(o + 1) === i - 1 && opensGroup(tokens, o)) return true;
    }
  }
  return false;
}

/** Operators as DynamoDB counts them; BETWEEN's own AND is part of it. */
function operatorCount(tokens: Token[], kind: ExpressionKind): number {
  let count = 0;
  let betweens = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (kind === "update") {
      // "operators or functions": + and -, and each function call.
      if (token.t === "arith" || (token.t === "word" && tokens[i + 1]?.t === "(")) count++;
      continue;
    }
    if (token.t === "cmp") count++;
    else if (token.t === "word") {
      const word = token.word!.toUpperCase();
      if (word === "BETWEEN") {
        count++;
        betweens++;
      } else if (word === "AND") {
        if (betweens > 0) betweens--;
        else count++;
      } else if (word === "OR" || word === "NOT" || word === "IN") count++;
    }
  }
  return count;
}

/**
 * What is wrong with one expression (to follow "Invalid <name>: "), or null. `name` is the
 * request member, e.g. "FilterExpression".
 */
export function expressionProblem(expression: string, kind: ExpressionKind): string | null {
  const bytes = Buffer.byteLength(expression, "utf8");
  if (bytes > MAX_EXPRESSION_BYTES) return `Expression size has exceeded the maximum allowed size; expression size: ${bytes}`;
  if (kind === "projection") return null;
  const tokens = tokenize(expression);
  const syntax = unbalanced(expression, tokens);
  if (syntax) return syntax;
  if (kind === "condition" && hasRedundantParentheses(tokens)) return "The expression has redundant parentheses;";
  const operators = operatorCount(tokens, kind);
  if (operators > MAX_OPERATORS) return `The expression contains too many operators; operator count: ${operators}`;
  return null;
}
