import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScalarTag, CollectionTag } from "yaml";

/**
 * The yaml package (~280 KB of JavaScript) is loaded when a template is parsed, never at a start
 * whose template.yaml is unchanged (readTemplate reads its cached parse): required, not
 * imported, so the compiled server does not carry it either.
 */
const yaml = (): typeof import("yaml") => createRequire(import.meta.url)("yaml");

/**
 * Reads a CloudFormation/SAM template (YAML with the short intrinsic tags !Ref, !GetAtt, !Sub,
 * !Join, !If, ...) into plain objects where each tag becomes its long form ({"Fn::Sub": ...}),
 * and resolves intrinsic functions against the values the provisioner knows.
 */

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Globals?: { Function?: Record<string, unknown> };
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: Record<string, unknown>;
}

const FUNCTIONS = ["Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "GetAtt"];

function longForm(name: string): string {
  return name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
}

const customTags: (ScalarTag | CollectionTag)[] = [];
for (const name of ["Ref", "Condition", ...FUNCTIONS]) {
  const key = longForm(name);
  // GetAtt's short scalar form is "Resource.Attribute".
  customTags.push({
    tag: `!${name}`,
    resolve: (value: string) => ({ [key]: name === "GetAtt" ? splitGetAtt(value) : value }),
  } as ScalarTag);
  for (const collection of ["seq", "map"] as const) {
    customTags.push({
      tag: `!${name}`,
      collection,
      resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
    } as unknown as CollectionTag);
  }
}

function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf(".");
  if (dot < 0) throw new Error(`!GetAtt ${value}: expected Resource.Attribute`);
  return [value.slice(0, dot), value.slice(dot + 1)];
}

export function parseTemplate(text: string): Template {
  const template = yaml().parse(text, { customTags, merge: true, maxAliasCount: -1 }) as Template;
  if (!template || typeof template !== "object" || !template.Resources) throw new Error("not a CloudFormation template: no Resources");
  return template;
}

/** Bumped when what parseTemplate makes of a text changes: older cached parses are then not read. */
const PARSE_FORMAT = "1";
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/rekognito/templates/", import.meta.url));
const parsed = new Map<string, string>();

/**
 * A template file, parsed. YAML with custom tags costs ~50 ms to parse (the yaml package's
 * first load more), twice at each start (provisioning, and the summary line): parses are kept
 * by the text's hash, in memory and as JSON in node_modules/.cache/rekognito/templates, so a
 * restart with the same template.yaml reads JSON instead.
 */
export function readTemplate(path: string): Template {
  const text = readFileSync(path, "utf8");
  const key = `${createHash("sha1").update(PARSE_FORMAT).update("\0").update(text).digest("hex")}`;
  let json = parsed.get(key);
  if (json === undefined) {
    const file = join(CACHE_DIR, `${key}.json`);
    try {
      json = readFileSync(file, "utf8");
    } catch {
      json = JSON.stringify(parseTemplate(text));
      try {
        mkdirSync(CACHE_DIR, { recursive: true });
        writeFileSync(`${file}.${process.pid}`, json);
        renameSync(`${file}.${process.pid}`, file);
      } catch {
        // a read-only installation: parsed each time
      }
    }
    parsed.set(key, json);
  }
  return JSON.parse(json) as Template;
}

/** What intrinsic functions resolve against. */
export interface ResolveContext {
  /** Parameters and pseudo parameters (AWS::Region, AWS::StackName, ...). */
  parameter(name: string): unknown;
  /** Ref of a resource: its physical id. */
  ref(logicalId: string): unknown;
  /** Fn::GetAtt. */
  getAtt(logicalId: string, attribute: string): unknown;
  condition(name: string): boolean;
}

/** The logical ids a value refers to (for ordering), from Ref, GetAtt and Sub. */
export function referencesOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesOf(item, into);
  } else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Ref" && typeof inner === "string" && !inner.startsWith("AWS::")) into.add(inner);
      else if (key === "Fn::GetAtt") {
        const [id] = Array.isArray(inner) ? inner : splitGetAtt(String(inner));
        into.add(String(id));
      } else if (key === "Fn::Sub") {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const match of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = match[1]!.split(".")[0]!;
          if (!name.startsWith("AWS::")) into.add(name);
        }
        if (Array.isArray(inner)) referencesOf(inner[1], into);
      } else referencesOf(inner, into);
    }
  }
  return into;
}

const NO_VALUE = Symbol("AWS::NoValue");

/** Resolves every intrinsic function in a value. Unknown functions throw, naming themselves. */
export function resolve(value: unknown, ctx: ResolveContext): unknown {
  const out = resolveInner(value, ctx);
  return out === NO_VALUE ? undefined : out;
}

function resolveInner(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveInner(item, ctx)).filter((item) => item !== NO_VALUE);
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    switch (key) {
      case "Ref": {
        const name = String(arg);
        if (name === "AWS::NoValue") return NO_VALUE;
        return ctx.parameter(name) ?? ctx.ref(name);
      }
      case "Fn::GetAtt": {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : splitGetAtt(String(arg));
        return ctx.getAtt(String(id), String(resolveInner(attribute, ctx)));
      }
      case "Fn::Sub": {
        const [text, vars] = Array.isArray(arg) ? [String(arg[0]), (resolveInner(arg[1], ctx) ?? {}) as Record<string, unknown>] : [String(arg), {}];
        return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
          if (name.startsWith("!")) return `\${${name.slice(1)}}`;
          if (name in vars) return String(vars[name]);
          const dot = name.indexOf(".");
          if (dot > 0 && !name.startsWith("AWS::")) return String(ctx.getAtt(name.slice(0, dot), name.slice(dot + 1)));
          const resolved = ctx.parameter(name) ?? ctx.ref(name);
          if (resolved === undefined) throw new Error(`Fn::Sub: nothing named ${name} in ${whole}`);
          return String(resolved);
        });
      }
      case "Fn::Join": {
        const [sep, items] = arg as [string, unknown];
        return (resolveInner(items, ctx) as unknown[]).join(sep);
      }
      case "Fn::Select": {
        const [index, items] = arg as [unknown, unknown];
        return (resolveInner(items, ctx) as unknown[])[Number(resolveInner(index, ctx))];
      }
      case "Fn::Split": {
        const [sep, text] = arg as [string, unknown];
        return String(resolveInner(text, ctx)).split(sep);
      }
      case "Fn::If": {
        const [name, yes, no] = arg as [string, unknown, unknown];
        return resolveInner(ctx.condition(name) ? yes : no, ctx);
      }
      case "Fn::Equals": {
        const [a, b] = arg as [unknown, unknown];
        return String(resolveInner(a, ctx)) === String(resolveInner(b, ctx));
      }
      case "Fn::Not":
        return !resolveInner((arg as unknown[])[0], ctx);
      case "Fn::And":
        return (arg as unknown[]).every((item) => resolveInner(item, ctx) === true);
      case "Fn::Or":
        return (arg as unknown[]).some((item) => resolveInner(item, ctx) === true);
      case "Condition":
        return ctx.condition(String(arg));
      default:
        if (key.startsWith("Fn::")) throw new Error(`${key} is not supported by rekognito's provisioner`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries) {
    const resolved = resolveInner(inner, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** What each resource must wait for: the resources it refers to (Ref, GetAtt, Sub) and its DependsOn. */
export function dependenciesOf(template: Template): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    // A SAM function's S3 event names its bucket: the notification is set once both exist, but
    // the event is resolved with the function's other properties, so the bucket comes first.
    const refs = referencesOf(resource.Properties ?? {});
    for (const d of [resource.DependsOn ?? []].flat()) refs.add(d);
    deps.set(id, new Set([...refs].filter((r) => r in template.Resources && r !== id)));
  }
  return deps;
}

/** Resources in an order where each comes after what it refers to (Ref, GetAtt, Sub, DependsOn). */
export function creationOrder(template: Template, deps = dependenciesOf(template)): string[] {
  const ids = Object.keys(template.Resources);
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new Error(`circular dependency: ${[...path, id].join(" -> ")}`);
    state.set(id, "visiting");
    for (const d of deps.get(id)!) visit(d, [...path, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}
