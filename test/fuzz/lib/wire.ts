import type { Random } from "./random.js";
import type { FuzzModel, FuzzShape } from "./values.js";
import { signedHeaders } from "../../support/sign.js";

/**
 * Turns an operation's input into the HTTP request its protocol puts on the wire (AWS JSON 1.0 /
 * 1.1, REST-JSON, REST-XML), then signs it with the SDK's SigV4 signer. Also the body-level
 * faults a client or a network can produce: no body, the wrong content type, text that is not
 * JSON or not UTF-8, a body over the limit, no signature.
 */
export interface WireRequest {
  service: string;
  operation: string;
  /** What was done to the input or the body ("valid", a Mutation, a BodyFault). */
  variant: string;
  method: string;
  /** The path as sent (percent-encoded) and the query string. */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the request has no canonical form to sign (it carries a signature that cannot verify). */
  unsignable?: boolean;
}

export type BodyFault = "empty-body" | "wrong-content-type" | "garbage" | "non-object" | "invalid-utf8" | "oversized" | "unsigned" | "deep-body";
export const BODY_FAULTS: readonly BodyFault[] = ["empty-body", "wrong-content-type", "garbage", "non-object", "invalid-utf8", "oversized", "unsigned", "deep-body"];

export interface ServiceWire {
  /** Short name: rekognition, cognito-idp, dynamodb, lambda, ses, s3. */
  name: string;
  model: FuzzModel;
  protocol: "json" | "rest-json" | "rest-xml";
  signingName: string;
  /** The member an operation's whole HTTP body is, when the model does not say (Lambda's Invoke). */
  payloadOf?: (operation: string) => string | undefined;
}

export function url(request: WireRequest): string {
  const q = request.query.map(([k, v]) => (v === "" && !k.includes("=") ? encodeQuery(k) : `${encodeQuery(k)}=${encodeQuery(v)}`)).join("&");
  return q ? `${request.path}?${q}` : request.path;
}

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (what the SDKs send). */
export function encodeQuery(text: string): string {
  // A lone surrogate has no UTF-8: send the bytes a careless encoder would (CESU-8), invalid UTF-8.
  const wellFormed = text.replace(/[\ud800-\udfff]/g, (c, at: number) => {
    const code = c.charCodeAt(0);
    const pair = code < 0xdc00 ? /[\udc00-\udfff]/.test(text[at + 1] ?? "") : /[\ud800-\udbff]/.test(text[at - 1] ?? "");
    return pair ? c : "\u0000LONE\u0000";
  });
  return encodeURIComponent(wellFormed)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%00LONE%00/g, "%ED%A0%80");
}

function encodeSegment(text: string): string {
  return encodeQuery(text);
}

function headerText(shape: FuzzShape | undefined, value: unknown, jsonvalue?: boolean): string {
  if (jsonvalue) return Buffer.from(JSON.stringify(value)).toString("base64");
  if (shape?.type === "timestamp" && typeof value === "number") return new Date(value * 1000).toUTCString();
  if (Array.isArray(value)) return value.map((v) => String(v)).join(",");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A value as REST-XML writes it; tolerant of mutated values (a list where a string was due...). */
export function xmlOf(model: FuzzModel, shapeName: string | undefined, value: unknown, name: string, ns?: string, depth = 0): string {
  const shape = shapeName ? model.shapes[shapeName] : undefined;
  const attrs = ns ? ` xmlns="${ns}"` : "";
  const safeName = /^[A-Za-z_][\w.-]*$/.test(name) ? name : "Member";
  // Deeper inputs are the deep-body fault's job; past this the nesting is written as text.
  if (depth > 400) return `<${safeName}>${xmlEscape(JSON.stringify(value) ?? "")}</${safeName}>`;
  if (value === null || value === undefined) return `<${safeName}${attrs}/>`;
  if (Array.isArray(value)) {
    const member = shape?.type === "list" ? shape.member : undefined;
    const items = value.map((v) => xmlOf(model, member?.shape, v, member?.locationName ?? "member", undefined, depth + 1)).join("");
    return `<${safeName}${attrs}>${items}</${safeName}>`;
  }
  if (typeof value === "object") {
    const members = shape?.type === "structure" ? (shape.members ?? {}) : {};
    let inner = "";
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const ref = members[k];
      const childName = ref?.locationName ?? k;
      const childShape = ref ? model.shapes[ref.shape] : undefined;
      if (childShape?.type === "list" && Array.isArray(v) && (ref?.flattened || childShape.flattened)) {
        inner += v.map((item) => xmlOf(model, childShape.member!.shape, item, childName, undefined, depth + 1)).join("");
      } else if (shape?.type === "map") {
        inner += `<entry><key>${xmlEscape(k)}</key>${xmlOf(model, shape.value?.shape, v, "value", undefined, depth + 1)}</entry>`;
      } else {
        inner += xmlOf(model, ref?.shape, v, childName, undefined, depth + 1);
      }
    }
    return `<${safeName}${attrs}>${inner}</${safeName}>`;
  }
  if (shape?.type === "timestamp" && typeof value === "number") return `<${safeName}${attrs}>${new Date(value * 1000).toISOString()}</${safeName}>`;
  return `<${safeName}${attrs}>${xmlEscape(String(value))}</${safeName}>`;
}

const JSON_CONTENT_TYPE = { "1.0": "application/x-amz-json-1.0", "1.1": "application/x-amz-json-1.1" } as const;

/** The request for an input, before any body fault. */
export function requestOf(service: ServiceWire, operation: string, input: Record<string, unknown>, variant: string, random: Random): WireRequest {
  const { model } = service;
  const op = model.operations[operation]!;
  if (service.protocol === "json") {
    const version = (model.metadata.jsonVersion ?? "1.1") as "1.0" | "1.1";
    return {
      service: service.name,
      operation,
      variant,
      method: "POST",
      path: "/",
      query: [],
      headers: { "x-amz-target": `${model.metadata.targetPrefix}.${operation}`, "content-type": JSON_CONTENT_TYPE[version] },
      body: Buffer.from(JSON.stringify(input)),
    };
  }
  const shape = op.input ? model.shapes[op.input] : undefined;
  const [rawPath, literalQuery] = (op.http.requestUri ?? "/").split("?") as [string, string | undefined];
  const query: [string, string][] = [];
  for (const part of literalQuery ? literalQuery.split("&") : []) {
    const [k, v] = part.split("=");
    query.push([k!, v ?? ""]);
  }
  const headers: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  const uri: Record<string, unknown> = {};
  const payloadName = shape?.payload ?? service.payloadOf?.(operation);
  let payload: Buffer | undefined;
  for (const [name, value] of Object.entries(input)) {
    const ref = shape?.members?.[name];
    if (!ref) {
      body[name] = value;
      continue;
    }
    const memberShape = model.shapes[ref.shape];
    const where = ref.locationName ?? name;
    if (ref.location === "uri") uri[where] = value;
    else if (ref.location === "querystring") {
      if (Array.isArray(value)) for (const v of value) query.push([where, String(v)]);
      else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) query.push([k, String(v)]);
      else query.push([where, headerText(memberShape, value)]);
    } else if (ref.location === "header") headers[where.toLowerCase()] = headerText(memberShape, value, ref.jsonvalue);
    else if (ref.location === "headers") {
      if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) headers[`${where}${k}`.toLowerCase()] = String(v);
    } else if (name === payloadName) {
      if (memberShape?.type === "blob") payload = typeof value === "string" ? Buffer.from(value, "base64") : Buffer.from(JSON.stringify(value));
      else if (memberShape?.type === "string") payload = Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
      else if (service.protocol === "rest-xml") payload = Buffer.from(xmlOf(model, ref.shape, value, ref.locationName ?? name, ref.xmlNamespace));
      else payload = Buffer.from(JSON.stringify(value));
    } else body[name] = value;
  }
  const path = rawPath.replace(/\{([^}]+)\}/g, (_m, label: string) => {
    const greedy = label.endsWith("+");
    const value = uri[greedy ? label.slice(0, -1) : label];
    if (value === undefined) return random.chance(0.5) ? "" : "missing";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return greedy ? text.split("/").map(encodeSegment).join("/") : encodeSegment(text);
  });
  let bytes: Buffer;
  if (payload) bytes = payload;
  else if (service.protocol === "rest-json" && (Object.keys(body).length || (op.http.method ?? "POST") !== "GET")) bytes = Buffer.from(JSON.stringify(body));
  else bytes = Buffer.alloc(0);
  // The transport writes the real Content-Length; a generated one would contradict the body.
  delete headers["content-length"];
  if (service.protocol === "rest-json" && !headers["content-type"]) headers["content-type"] = payloadName ? "application/octet-stream" : "application/json";
  if (service.protocol === "rest-xml" && payload && !headers["content-type"]) headers["content-type"] = shape?.members?.[payloadName!] && model.shapes[shape.members[payloadName!]!.shape]?.type === "structure" ? "application/xml" : "application/octet-stream";
  return { service: service.name, operation, variant, method: (op.http.method ?? "POST").toUpperCase(), path: path || "/", query, headers, body: bytes };
}

/** A body-level fault on a request. Returns the faulty request and whether it should still be signed. */
export function withBodyFault(request: WireRequest, fault: BodyFault, random: Random, limits: { oversized: number }): { request: WireRequest; sign: boolean } {
  const r: WireRequest = { ...request, headers: { ...request.headers }, variant: fault };
  switch (fault) {
    case "empty-body":
      r.body = Buffer.alloc(0);
      break;
    case "wrong-content-type":
      r.headers["content-type"] = random.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "", "application/x-amz-json-9.9"]);
      if (r.headers["content-type"] === "") delete r.headers["content-type"];
      break;
    case "garbage": {
      const text = r.body.toString("utf8");
      r.body = random.pick([
        Buffer.from(text.slice(0, Math.max(1, random.int(text.length)))),
        Buffer.from("{not json"),
        Buffer.from('{"a":1,,}'),
        Buffer.from("<xml/>"),
        Buffer.from('{"a":"\\x00"}'),
        Buffer.from("\u0000\u0001\u0002"),
        random.bytes(random.between(1, 256)),
      ]);
      break;
    }
    case "non-object":
      r.body = Buffer.from(random.pick(["[]", "[1,2,3]", "null", "42", '"text"', "true", "1e999"]));
      break;
    case "invalid-utf8":
      r.body = Buffer.concat([Buffer.from('{"Name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]);
      break;
    case "oversized":
      r.body = Buffer.alloc(limits.oversized, 0x61);
      break;
    case "unsigned":
      return { request: r, sign: false };
    case "deep-body": {
      const depth = random.between(1000, 20000);
      r.body = request.service === "s3" ? Buffer.from(`${"<a>".repeat(depth)}x${"</a>".repeat(depth)}`) : Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`);
      break;
    }
  }
  return { request: r, sign: true };
}

/** Headers with SigV4 (the test pair, loopback Host) over the request as it will be sent. */
export async function sign(service: ServiceWire, request: WireRequest, host: string): Promise<Record<string, string>> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of request.query) {
    const have = query[k];
    query[k] = have === undefined ? v : Array.isArray(have) ? [...have, v] : [have, v];
  }
  try {
    return await signedHeaders(service.signingName, {
      method: request.method,
      path: request.path,
      query,
      headers: request.headers,
      body: request.body,
      host,
    });
  } catch {
    // A query value with a lone surrogate has no canonical form the signer can write: send a
    // signature that cannot verify (the server must still answer as AWS would, 403).
    request.unsignable = true;
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    return {
      ...request.headers,
      host,
      "x-amz-date": date,
      authorization: `AWS4-HMAC-SHA256 Credential=test/${date.slice(0, 8)}/us-east-1/${service.signingName}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
    };
  }
}
