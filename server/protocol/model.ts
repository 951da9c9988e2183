import { readFileSync } from "node:fs";
import { AwsError } from "./errors.js";

/**
 * The compact service models in ./models (generated from botocore by scripts/gen-models.py):
 * AWS's own definition of every action's input, used to validate requests as AWS does.
 */
export interface ShapeRef {
  shape: string;
  location?: string;
  locationName?: string;
  jsonvalue?: boolean;
}
export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "float" | "double" | "boolean" | "blob" | "timestamp";
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  exception?: boolean;
  httpStatus?: number;
}
export interface Operation {
  http: { method?: string; requestUri?: string; responseCode?: number };
  input?: string;
  output?: string;
  errors: string[];
  /** botocore's authtype: "none" when AWS serves the operation unsigned (Cognito's public actions). */
  authtype?: string;
}
export interface ServiceModel {
  metadata: { apiVersion: string; protocol: string; targetPrefix?: string; jsonVersion?: string; endpointPrefix: string; signingName?: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

const cache = new Map<string, ServiceModel>();

export function loadModel(name: "rekognition" | "cognito-idp" | "lambda" | "sesv2"): ServiceModel {
  let model = cache.get(name);
  if (!model) {
    model = parseModel(readFileSync(new URL(`./models/${name}.json`, import.meta.url), "utf8"));
    cache.set(name, model);
  }
  return model;
}

const SHAPES = ',"shapes":';

/**
 * A model with its shapes parsed when first read: a start needs every service's operations (its
 * routes) but validates no request yet, and the shapes are two thirds of each file (~10 ms of a
 * start's CPU for the four, ~1 MB of heap for a service never asked). gen-models.py writes the
 * keys sorted, so `shapes` is the last one; a file that is not laid out so is parsed whole.
 */
function parseModel(text: string): ServiceModel {
  const at = text.lastIndexOf(SHAPES);
  const end = text.trimEnd().length - 1;
  if (at > 0 && text[end] === "}") {
    let head: Omit<ServiceModel, "shapes"> | undefined;
    try {
      head = JSON.parse(`${text.slice(0, at)}}`) as Omit<ServiceModel, "shapes">;
    } catch {
      head = undefined;
    }
    if (head && head.operations && !("shapes" in head)) {
      let shapes: ServiceModel["shapes"] | undefined;
      return Object.defineProperty(head, "shapes", {
        get: () => (shapes ??= JSON.parse(text.slice(at + SHAPES.length, end)) as ServiceModel["shapes"]),
        enumerable: true,
      }) as ServiceModel;
    }
  }
  return JSON.parse(text) as ServiceModel;
}

const regexCache = new Map<string, RegExp | null>();

/** AWS patterns are Java regular expressions matched against the whole value. */
function compilePattern(pattern: string): RegExp | null {
  if (regexCache.has(pattern)) return regexCache.get(pattern)!;
  let re: RegExp | null = null;
  for (const flags of ["u", ""]) {
    try {
      re = new RegExp(`^(?:${pattern})$`, flags);
      break;
    } catch {
      re = null;
    }
  }
  regexCache.set(pattern, re);
  return re;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * Checks `input` against the operation's input shape. Returns AWS-worded violations
 * ("Value 'x' at 'collectionId' failed to satisfy constraint: ..."), or throws a
 * SerializationException when a member has the wrong JSON type.
 */
export function validationErrors(model: ServiceModel, shapeName: string | undefined, input: unknown): string[] {
  const errors: string[] = [];
  if (!shapeName) return errors;
  visit(model, model.shapes[shapeName]!, input, "", errors, false);
  return errors;
}

function typeError(path: string, expected: string): AwsError {
  return new AwsError(
    "SerializationException",
    `Unexpected value type for member '${path || "input"}': expected ${expected}`,
  );
}

function visit(model: ServiceModel, shape: Shape, value: unknown, path: string, errors: string[], sensitive: boolean): void {
  if (value === null || value === undefined) return;
  const secret = sensitive || shape.sensitive === true;
  const fail = (constraint: string) =>
    errors.push(
      secret
        ? `Value at '${path}' failed to satisfy constraint: ${constraint}`
        : `Value '${show(value)}' at '${path}' failed to satisfy constraint: ${constraint}`,
    );
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(path, "an object");
      const obj = value as Record<string, unknown>;
      for (const req of shape.required ?? []) {
        if (obj[req] === undefined || obj[req] === null) {
          const p = path ? `${path}.${lowerFirst(req)}` : lowerFirst(req);
          errors.push(`Value null at '${p}' failed to satisfy constraint: Member must not be null`);
        }
      }
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        if (!(name in obj)) continue;
        const p = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
        visit(model, model.shapes[ref.shape]!, obj[name], p, errors, secret);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) throw typeError(path, "a list");
      if (shape.min !== undefined && value.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      const member = model.shapes[shape.member!.shape]!;
      value.forEach((v, i) => {
        // A list has no holes: AWS refuses a null member as it refuses a missing required one.
        if (v === null) errors.push(`Value null at '${path}.${i + 1}.member' failed to satisfy constraint: Member must not be null`);
        else visit(model, member, v, `${path}.${i + 1}.member`, errors, secret);
      });
      return;
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(path, "a map");
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      const keyShape = model.shapes[shape.key!.shape]!;
      const valueShape = model.shapes[shape.value!.shape]!;
      for (const [k, v] of entries) {
        visit(model, keyShape, k, `${path}.${k}.key`, errors, secret);
        visit(model, valueShape, v, `${path}.${k}.value`, errors, secret);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") throw typeError(path, "a string");
      const length = [...value].length;
      if (shape.min !== undefined && length < shape.min)
        fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max)
        fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.enum && !shape.enum.includes(value))
        fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      if (shape.pattern) {
        const re = compilePattern(shape.pattern);
        if (re && !re.test(value)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return;
    }
    case "integer":
    case "long":
    case "float":
    case "double": {
      if (typeof value !== "number" || Number.isNaN(value)) throw typeError(path, "a number");
      if ((shape.type === "integer" || shape.type === "long") && !Number.isInteger(value))
        throw typeError(path, "an integer");
      if (shape.min !== undefined && value < shape.min)
        fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max)
        fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case "boolean":
      if (typeof value !== "boolean") throw typeError(path, "a boolean");
      return;
    case "blob":
      // Base64 text on the wire. Size limits are the service's own (e.g. ImageTooLargeException).
      if (typeof value !== "string") throw typeError(path, "base64 text");
      return;
    case "timestamp":
      if (typeof value !== "number" && typeof value !== "string") throw typeError(path, "a timestamp");
      return;
  }
}

/** Formats violations as AWS does: "2 validation errors detected: a; b". */
export function validationMessage(errors: string[]): string {
  const n = errors.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${errors.join("; ")}`;
}
