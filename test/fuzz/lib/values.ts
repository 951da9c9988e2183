import { readFileSync } from "node:fs";
import type { Random } from "./random.js";

/**
 * Inputs from AWS's service models: a valid-ish value for an operation's input shape (required
 * members, lengths, enums and patterns honoured where a candidate fits), and the ways a client
 * gets one wrong (wrong JSON types, missing members, over-long strings, huge numbers, deep
 * nesting, unicode, prototype names, nulls, unknown members).
 */
export interface FuzzShapeRef {
  shape: string;
  location?: string;
  locationName?: string;
  flattened?: boolean;
  xmlAttribute?: boolean;
  xmlNamespace?: string;
  jsonvalue?: boolean;
}
export interface FuzzShape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "float" | "double" | "boolean" | "blob" | "timestamp";
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, FuzzShapeRef>;
  member?: FuzzShapeRef;
  key?: FuzzShapeRef;
  value?: FuzzShapeRef;
  payload?: string;
  flattened?: boolean;
  streaming?: boolean;
  locationName?: string;
  exception?: boolean;
}
export interface FuzzOperation {
  http: { method?: string; requestUri?: string; responseCode?: number };
  input?: string;
  xmlNamespace?: string;
  locationName?: string;
}
export interface FuzzModel {
  metadata: { apiVersion: string; protocol: string; targetPrefix?: string; jsonVersion?: string; endpointPrefix: string; signingName?: string };
  operations: Record<string, FuzzOperation>;
  shapes: Record<string, FuzzShape>;
}

export function readModel(url: URL): FuzzModel {
  return JSON.parse(readFileSync(url, "utf8")) as FuzzModel;
}

/** Values seen in answers (ids, names, tokens) and set up beforehand: member name → values. */
export class KnownValues {
  private readonly byName = new Map<string, string[]>();
  add(name: string, value: string): void {
    if (!value || value.length > 2048) return;
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    if (list.includes(value)) return;
    list.push(value);
    if (list.length > 24) list.shift();
  }
  get(name: string): string[] {
    return this.byName.get(name) ?? [];
  }
  /** Harvests string members of an answer by their names (and `XId` for an `Id` under `X`). */
  harvest(value: unknown, parent = "", depth = 0): void {
    if (depth > 8 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const v of value.slice(0, 20)) this.harvest(v, parent, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === "string") {
        this.add(k, v);
        if ((k === "Id" || k === "Name" || k === "Arn") && parent) this.add(`${parent.replace(/s$/, "")}${k}`, v);
      } else this.harvest(v, k, depth + 1);
    }
  }
}

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Strings a pattern may accept: what AWS's ids, names, ARNs and addresses look like. */
function candidates(random: Random, min: number): string[] {
  const n = Math.max(min, 1);
  return [
    random.string(Math.max(n, 8), ALNUM),
    random.string(Math.max(n, 8), LOWER),
    `fuzz-${random.string(6, LOWER)}`,
    `us-east-1_${random.string(9, ALNUM)}`,
    random.string(26, LOWER),
    `${random.string(8, LOWER)}@example.com`,
    "arn:aws:lambda:us-east-1:000000000000:function:fuzz-fn",
    "arn:aws:iam::000000000000:role/fuzz",
    "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz-table",
    "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_fuzz",
    "index.handler",
    "nodejs20.x",
    "+12065550100",
    "https://example.com/callback",
    "00000000-0000-4000-8000-000000000000",
    "Passw0rd!Fuzz",
    "a",
    "1",
    "$LATEST",
    "2012-10-17",
  ];
}

const patternCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  if (patternCache.has(pattern)) return patternCache.get(pattern)!;
  let re: RegExp | null = null;
  for (const flags of ["u", ""]) {
    try {
      re = new RegExp(`^(?:${pattern})$`, flags);
      break;
    } catch {
      re = null;
    }
  }
  patternCache.set(pattern, re);
  return re;
}

export interface GenOptions {
  random: Random;
  known: KnownValues;
  /** Probability of including an optional member. */
  optional: number;
  /** Optional members at a location (header, querystring) are rarer: each is one more way to be wrong. */
  locatedOptional?: number;
  /** Special values by member name (Image bytes, a zip, a policy): called before the shape's rule. */
  special?: (memberName: string, shape: FuzzShape, random: Random) => unknown;
  /** A string member whose generated text must avoid some characters (see the DynamoDB exclusion). */
  scrub?: (memberName: string, text: string) => string;
}

const MAX_DEPTH = 7;

/** A valid-ish value of the shape. */
export function valueOf(model: FuzzModel, shapeName: string, options: GenOptions, memberName = "", depth = 0): unknown {
  const shape = model.shapes[shapeName]!;
  const { random } = options;
  const special = options.special?.(memberName, shape, random);
  if (special !== undefined) return special;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const required = new Set(shape.required ?? []);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const p = ref.location ? (options.locatedOptional ?? options.optional) : options.optional;
        if (!required.has(name) && (depth >= MAX_DEPTH || !random.chance(p / (1 + depth * 0.5)))) continue;
        out[name] = valueOf(model, ref.shape, options, name, depth + 1);
      }
      return out;
    }
    case "list": {
      const min = shape.min ?? 0;
      const max = Math.min(shape.max ?? min + 3, min + 3);
      const n = depth >= MAX_DEPTH ? min : random.between(min, Math.max(min, max));
      return Array.from({ length: n }, () => valueOf(model, shape.member!.shape, options, memberName, depth + 1));
    }
    case "map": {
      const min = shape.min ?? 0;
      const n = depth >= MAX_DEPTH ? min : random.between(min, Math.max(min, Math.min(shape.max ?? min + 2, min + 2)));
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = valueOf(model, shape.key!.shape, options, `${memberName}Key`, depth + 1);
        out[String(k)] = valueOf(model, shape.value!.shape, options, `${memberName}Value`, depth + 1);
      }
      return out;
    }
    case "string": {
      if (shape.enum?.length) return random.pick(shape.enum);
      const known = options.known.get(memberName);
      if (known.length && random.chance(0.75)) return random.pick(known);
      const min = shape.min ?? 0;
      const max = shape.max ?? 64;
      const fits = (s: string) => [...s].length >= min && [...s].length <= max;
      let text: string;
      if (shape.pattern) {
        const re = compiled(shape.pattern);
        const ok = candidates(random, min).filter((c) => fits(c) && (!re || re.test(c)));
        text = ok.length ? random.pick(ok) : random.string(random.between(Math.max(min, 1), Math.max(min, Math.min(max, min + 16))), ALNUM);
      } else {
        text = random.string(random.between(Math.max(min, 1), Math.max(Math.max(min, 1), Math.min(max, min + 16))), ALNUM);
      }
      return options.scrub ? options.scrub(memberName, text) : text;
    }
    case "integer":
    case "long": {
      const min = shape.min ?? 0;
      const max = shape.max ?? Math.max(min, 100);
      return random.between(min, Math.min(max, min + 1000));
    }
    case "float":
    case "double": {
      const min = shape.min ?? 0;
      const max = shape.max ?? 100;
      return min + random.next() * (max - min);
    }
    case "boolean":
      return random.chance(0.5);
    case "blob":
      return random.bytes(random.between(1, 48)).toString("base64");
    case "timestamp":
      return 1767225600 + random.int(86400 * 365);
  }
}

/** Strings that break assumptions: unicode of every kind, control characters, prototype names. */
export function oddString(random: Random): string {
  return random.pick([
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff\ud800",
    "😀".repeat(random.between(1, 40)),
    "\u202eevil",
    "e\u0301\u0301\u0301",
    "\ufeff",
    "\uffff",
    "ｆｕｌｌｗｉｄｔｈ",
    "../../etc/passwd",
    "%00%zz%",
    "<xml>&amp;</xml>]]>",
    '"quoted"\\',
    "\r\n\r\nHTTP/1.1 200 OK",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "${jndi:ldap://x}",
    "'; DROP TABLE t; --",
    "日本語のテキスト",
    "\t\n\v\f",
  ]);
}

export type Mutation =
  | "wrong-type"
  | "drop-member"
  | "long-string"
  | "huge-number"
  | "deep-nesting"
  | "odd-string"
  | "prototype-keys"
  | "null-member"
  | "unknown-members"
  | "empty-input";

export const MUTATIONS: readonly Mutation[] = [
  "wrong-type",
  "drop-member",
  "long-string",
  "huge-number",
  "deep-nesting",
  "odd-string",
  "prototype-keys",
  "null-member",
  "unknown-members",
  "empty-input",
];

type Path = (string | number)[];

/** Every path into the value (objects and arrays), the root included. */
function paths(value: unknown, path: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(path);
  if (depth > 12 || value === null || typeof value !== "object") return out;
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...path, i], out, depth + 1));
  else for (const [k, v] of Object.entries(value as Record<string, unknown>)) paths(v, [...path, k], out, depth + 1);
  return out;
}

function getAt(value: unknown, path: Path): unknown {
  let v = value as any;
  for (const p of path) v = v?.[p];
  return v;
}

function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (!path.length) return replacement;
  const parent = getAt(value, path.slice(0, -1)) as any;
  const last = path[path.length - 1]!;
  if (parent && typeof parent === "object") {
    // defineProperty: a key named __proto__ stays an own, serialisable member.
    Object.defineProperty(parent, last, { value: replacement, enumerable: true, writable: true, configurable: true });
  }
  return value;
}

export function deepValue(random: Random, depth: number): unknown {
  const asList = random.chance(0.5);
  let v: unknown = random.chance(0.5) ? "leaf" : 1;
  for (let i = 0; i < depth; i++) v = asList ? [v] : { a: v };
  return v;
}

const HUGE = [1e308, -1e308, 9007199254740993, 2 ** 31, 2 ** 63, -1, -(2 ** 31) - 1, 0, 1.5, 1e-320, 123456789012345678901234567890];

/** One way to get the input wrong; returns the mutated input (a fresh copy). */
export function mutate(input: unknown, mutation: Mutation, random: Random, limits: { longString: number; deep: number }): unknown {
  // In place: each input is generated for one request (and a clone of a deep value would overflow).
  const value = input;
  const all = paths(value);
  const leaves = all.filter((p) => p.length && (getAt(value, p) === null || typeof getAt(value, p) !== "object"));
  const objects = all.filter((p) => { const v = getAt(value, p); return v !== null && typeof v === "object" && !Array.isArray(v); });
  const nonRoot = all.filter((p) => p.length);
  switch (mutation) {
    case "wrong-type": {
      const at = nonRoot.length ? random.pick(nonRoot) : [];
      const current = getAt(value, at);
      const choices: unknown[] = [42, "text", true, [1, 2], { k: "v" }, -0.5];
      const other = choices.filter((c) => typeof c !== typeof current || Array.isArray(c) !== Array.isArray(current));
      return setAt(value, at, random.pick(other));
    }
    case "drop-member": {
      const keyed = nonRoot.filter((p) => typeof p[p.length - 1] === "string");
      if (!keyed.length) return value;
      const at = random.pick(keyed);
      delete (getAt(value, at.slice(0, -1)) as Record<string, unknown>)[at[at.length - 1] as string];
      return value;
    }
    case "long-string": {
      const strings = leaves.filter((p) => typeof getAt(value, p) === "string");
      const at = strings.length ? random.pick(strings) : random.pick(objects.length ? objects : [[]]).concat("Long");
      const unit = random.pick(["a", "é", "😀", "%", "/"]);
      return setAt(value, at, unit.repeat(random.between(257, limits.longString)));
    }
    case "huge-number": {
      const at = leaves.length ? random.pick(leaves) : random.pick(objects.length ? objects : [[]]).concat("Number");
      return setAt(value, at, random.pick(HUGE));
    }
    case "deep-nesting": {
      const at = nonRoot.length ? random.pick(nonRoot) : ["Deep"];
      return setAt(value, at, deepValue(random, random.between(64, limits.deep)));
    }
    case "odd-string": {
      const strings = leaves.filter((p) => typeof getAt(value, p) === "string");
      const at = strings.length ? random.pick(strings) : random.pick(objects.length ? objects : [[]]).concat("Odd");
      return setAt(value, at, oddString(random));
    }
    case "prototype-keys": {
      const at = objects.length ? random.pick(objects) : [];
      const target = getAt(value, at) as Record<string, unknown>;
      const key = random.pick(["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]);
      Object.defineProperty(target, key, { value: random.pick([{ polluted: true }, "x", 1, null]), enumerable: true, writable: true, configurable: true });
      return value;
    }
    case "null-member": {
      const at = nonRoot.length ? random.pick(nonRoot) : ["Null"];
      return setAt(value, at, null);
    }
    case "unknown-members": {
      const at = objects.length ? random.pick(objects) : [];
      const target = getAt(value, at) as Record<string, unknown>;
      target[`Unknown${random.int(100)}`] = random.pick(["x", 1, { a: [1] }, null]);
      return value;
    }
    case "empty-input":
      return {};
  }
}
