import { createRequire } from "node:module";
import type { XMLParser } from "fast-xml-parser";
import { S3Errors } from "./errors.js";

/** S3's XML namespace, on the root element of every response document. */
export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** A node of a response document: text, nested elements (arrays repeat the element), or absent. */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#13;",
  );
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join("");
  if (typeof value === "object") return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function children(object: XmlObject): string {
  return Object.entries(object)
    .map(([k, v]) => element(k, v))
    .join("");
}

/** A whole response document: `<?xml …?><Root xmlns="…">…</Root>`. */
export function xmlDocument(root: string, body: XmlObject, namespace: string | null = S3_NS): string {
  const ns = namespace ? ` xmlns="${namespace}"` : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${children(body)}</${root}>`;
}

// The parser (fast-xml-parser and its packages, ~95 KB) is loaded at the first request document,
// not at start: most requests carry none (S3's are CompleteMultipartUpload, DeleteObjects and a
// bucket's configurations), and the compiled server parsed it at every start. Required from
// node_modules (its CommonJS build), so the build leaves it there.
let parser: XMLParser | undefined;
function xmlParser(): XMLParser {
  if (!parser) {
    const { XMLParser } = createRequire(import.meta.url)("fast-xml-parser") as typeof import("fast-xml-parser");
    parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: false, isArray: () => true });
  }
  return parser;
}

/**
 * Parses a request document. Every element comes back as an array (S3's lists are
 * flattened, so one element and a list look alike); use `first` and `all` to read it.
 * Anything that is not XML → MalformedXML.
 */
export function parseXml(body: Buffer | string): XmlTree {
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (!text.trim()) throw S3Errors.malformedXml();
  const loaded = xmlParser();
  try {
    const parsed = loaded.parse(text, true) as XmlTree;
    return parsed;
  } catch {
    throw S3Errors.malformedXml();
  }
}

export type XmlTree = { [name: string]: Array<XmlTree | string> };

export function all(tree: XmlTree | string | undefined, name: string): Array<XmlTree | string> {
  if (!tree || typeof tree === "string") return [];
  return tree[name] ?? [];
}

export function first(tree: XmlTree | string | undefined, name: string): XmlTree | string | undefined {
  return all(tree, name)[0];
}

/** The text of a child element ("" for an empty one), or undefined when it is absent. */
export function text(tree: XmlTree | string | undefined, name: string): string | undefined {
  const node = first(tree, name);
  if (node === undefined) return undefined;
  if (typeof node === "string") return node;
  const inner = node["#text"] as unknown;
  if (typeof inner === "string") return inner;
  return Array.isArray(inner) && typeof inner[0] === "string" ? inner[0] : "";
}
