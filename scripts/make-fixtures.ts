/**
 * Draws the fixture faces (fixtures/faces/) and writes their manifest. Pure JS, no photos of
 * real people, no downloads, no clock and no Math.random: the same script gives the same bytes.
 *
 *     npm run make-fixtures                 # writes fixtures/faces/
 *     npm run make-fixtures -- --out <dir>  # writes somewhere else (the determinism test does)
 *
 * Each persona has an ID document (PNG) and three selfies (JPEG) of the same drawn face, moved,
 * scaled, turned and lit differently. Then the odd cases: a look-alike, two faces, no face, a
 * face too small to index, a truncated JPEG and a file that is not an image. The faces recorded
 * in the manifest (boxes, landmarks, pose) come from the same geometry that drew them; the
 * embeddings are seeded vectors calibrated against server/faces/similarity.ts.
 * See fixtures/faces/README.md.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import jpeg from "jpeg-js";
import { zlibSync } from "fflate";
import type { BoundingBox, DetectedFace, Landmark } from "../server/faces/engine.js";
import type { FixtureFace, FixtureImageRecord, FixtureKind, FixtureManifest, FixturePersona } from "../server/faces/fixtures.js";
import { similarity } from "../server/faces/similarity.js";

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/** 32-bit seed from a string (first 4 bytes of its sha256). */
function seedOf(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32LE(0);
}

/** mulberry32: a small PRNG; integer arithmetic only, so identical on every platform. */
export function prng(seed: string): () => number {
  let a = seedOf(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An approximately normal deviate: the Irwin-Hall sum of 12 uniforms minus 6 (no Math.log/cos). */
function gaussian(rand: () => number): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += rand();
  return s - 6;
}

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

export const EMBEDDING_DIMENSIONS = 128;
/** Norm of the noise added to a persona's base vector for each of its images (c ≈ 0.99 → ≈ 97.5). */
export const IMAGE_NOISE = 0.1;

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const scale = (a: number[], k: number) => a.map((x) => x * k);
const add = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
const norm = (a: number[]) => Math.sqrt(dot(a, a));
const normalise = (a: number[]) => scale(a, 1 / norm(a));

function randomVector(seed: string): number[] {
  const rand = prng(seed);
  return Array.from({ length: EMBEDDING_DIMENSIONS }, () => gaussian(rand));
}

/** Removes the components along each of `others` (unit vectors): Gram-Schmidt. */
function orthogonalTo(v: number[], others: number[][]): number[] {
  let out = v;
  for (const o of others) out = add(out, scale(o, -dot(out, o)));
  return out;
}

/** Rounded for the manifest; 7 decimals keep every similarity within 1e-4 of the exact value. */
export function roundEmbedding(v: number[]): number[] {
  return v.map((x) => round(x, 7));
}

/** A persona's base vector: seeded by its id, orthogonal to the bases already taken. */
export function personaBase(id: string, taken: number[][]): number[] {
  return normalise(orthogonalTo(randomVector(`persona:${id}`), taken));
}

/** An image's embedding: its persona's base plus noise of norm IMAGE_NOISE orthogonal to it. */
export function imageEmbedding(base: number[], seed: string, noise = IMAGE_NOISE): number[] {
  const n = normalise(orthogonalTo(randomVector(`noise:${seed}`), [base]));
  return normalise(add(base, scale(n, noise)));
}

/** The look-alike's target similarity to its persona's base vector (its images then score ≈ 84-85). */
export const LOOKALIKE_TARGET = 85.5;

/**
 * A look-alike of the persona whose base is `base`: the base turned, away from every vector in
 * `avoid`, by the angle (found by bisection) at which its similarity to the base is `target`.
 */
export function lookalikeEmbedding(base: number[], seed: string, avoid: number[][], target = LOOKALIKE_TARGET): number[] {
  const away = normalise(orthogonalTo(randomVector(seed), [base, ...avoid]));
  let lo = 0, hi = 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (similarity(normalise(add(base, scale(away, mid))), base) > target) lo = mid;
    else hi = mid;
  }
  return normalise(add(base, scale(away, lo)));
}

// ---------------------------------------------------------------------------------------------
// Canvas and encoders
// ---------------------------------------------------------------------------------------------

type RGB = [number, number, number];

class Canvas {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3);
  }
  /** Blends `color` into pixel (x, y) with coverage `alpha`. */
  blend(x: number, y: number, color: RGB, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 3;
    for (let c = 0; c < 3; c++) this.data[i + c] = this.data[i + c]! * (1 - alpha) + color[c]! * alpha;
  }
  fill(fn: (x: number, y: number) => RGB): void {
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) {
        const [r, g, b] = fn(x, y);
        const i = (y * this.width + x) * 3;
        this.data[i] = r;
        this.data[i + 1] = g;
        this.data[i + 2] = b;
      }
  }
  rect(x0: number, y0: number, w: number, h: number, color: RGB, alpha = 1): void {
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(this.height, Math.ceil(y0 + h)); y++)
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(this.width, Math.ceil(x0 + w)); x++) this.blend(x, y, color, alpha);
  }
  /**
   * Fills the pixels where `inside(px, py)` holds (px, py: pixel-space sample points), within
   * a box, with 4 samples per pixel for smooth edges.
   */
  shape(box: { x0: number; y0: number; x1: number; y1: number }, inside: (px: number, py: number) => boolean, color: RGB): void {
    const xs = Math.max(0, Math.floor(box.x0)), xe = Math.min(this.width - 1, Math.ceil(box.x1));
    const ys = Math.max(0, Math.floor(box.y0)), ye = Math.min(this.height - 1, Math.ceil(box.y1));
    for (let y = ys; y <= ye; y++)
      for (let x = xs; x <= xe; x++) {
        let hits = 0;
        for (const [dx, dy] of SAMPLES) if (inside(x + dx, y + dy)) hits++;
        if (hits) this.blend(x, y, color, hits / SAMPLES.length);
      }
  }
  ellipse(cx: number, cy: number, rx: number, ry: number, color: RGB): void {
    this.shape({ x0: cx - rx - 1, y0: cy - ry - 1, x1: cx + rx + 1, y1: cy + ry + 1 }, (px, py) => ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 <= 1, color);
  }
  /** Multiplies every pixel by a lighting function and adds seeded grain, then clamps. */
  light(fn: (x: number, y: number) => RGB, grain: number, seed: string): void {
    const rand = prng(`grain:${seed}`);
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) {
        const l = fn(x, y);
        const g = grain ? (rand() - 0.5) * 2 * grain : 0;
        const i = (y * this.width + x) * 3;
        for (let c = 0; c < 3; c++) this.data[i + c] = Math.max(0, Math.min(255, this.data[i + c]! * l[c]! + g));
      }
  }
  rgba(): Buffer {
    const out = Buffer.alloc(this.width * this.height * 4);
    for (let p = 0; p < this.width * this.height; p++) {
      for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.max(0, Math.min(255, Math.round(this.data[p * 3 + c]!)));
      out[p * 4 + 3] = 255;
    }
    return out;
  }
  jpeg(quality: number): Buffer {
    return Buffer.from(jpeg.encode({ data: this.rgba(), width: this.width, height: this.height }, quality).data);
  }
  png(): Buffer {
    return encodePng(this.width, this.height, this.rgba());
  }
}

const SAMPLES: [number, number][] = [
  [0.25, 0.25],
  [0.75, 0.25],
  [0.25, 0.75],
  [0.75, 0.75],
];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A minimal RGB PNG encoder over fflate (pure JS), so the bytes do not depend on the zlib
 * bundled with a given Node release. Every row uses the Sub filter.
 */
function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 1; // Sub
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const v = rgba[(y * width + x) * 4 + c]!;
        const left = x > 0 ? rgba[(y * width + x - 1) * 4 + c]! : 0;
        raw[row + 1 + x * 3 + c] = (v - left) & 0xff;
      }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", Buffer.from(zlibSync(raw, { level: 9 }))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// A 5x7 bitmap font (upper case, digits, a little punctuation)
// ---------------------------------------------------------------------------------------------

const GLYPHS: Record<string, string> = {
  A: "01110 10001 10001 11111 10001 10001 10001",
  B: "11110 10001 10001 11110 10001 10001 11110",
  C: "01110 10001 10000 10000 10000 10001 01110",
  D: "11110 10001 10001 10001 10001 10001 11110",
  E: "11111 10000 10000 11110 10000 10000 11111",
  F: "11111 10000 10000 11110 10000 10000 10000",
  G: "01110 10001 10000 10111 10001 10001 01111",
  H: "10001 10001 10001 11111 10001 10001 10001",
  I: "01110 00100 00100 00100 00100 00100 01110",
  J: "00111 00010 00010 00010 00010 10010 01100",
  K: "10001 10010 10100 11000 10100 10010 10001",
  L: "10000 10000 10000 10000 10000 10000 11111",
  M: "10001 11011 10101 10101 10001 10001 10001",
  N: "10001 10001 11001 10101 10011 10001 10001",
  O: "01110 10001 10001 10001 10001 10001 01110",
  P: "11110 10001 10001 11110 10000 10000 10000",
  Q: "01110 10001 10001 10001 10101 10010 01101",
  R: "11110 10001 10001 11110 10100 10010 10001",
  S: "01111 10000 10000 01110 00001 00001 11110",
  T: "11111 00100 00100 00100 00100 00100 00100",
  U: "10001 10001 10001 10001 10001 10001 01110",
  V: "10001 10001 10001 10001 10001 01010 00100",
  W: "10001 10001 10001 10101 10101 10101 01010",
  X: "10001 10001 01010 00100 01010 10001 10001",
  Y: "10001 10001 01010 00100 00100 00100 00100",
  Z: "11111 00001 00010 00100 01000 10000 11111",
  "0": "01110 10001 10011 10101 11001 10001 01110",
  "1": "00100 01100 00100 00100 00100 00100 01110",
  "2": "01110 10001 00001 00010 00100 01000 11111",
  "3": "11111 00010 00100 00010 00001 10001 01110",
  "4": "00010 00110 01010 10010 11111 00010 00010",
  "5": "11111 10000 11110 00001 00001 10001 01110",
  "6": "00110 01000 10000 11110 10001 10001 01110",
  "7": "11111 00001 00010 00100 01000 01000 01000",
  "8": "01110 10001 10001 01110 10001 10001 01110",
  "9": "01110 10001 10001 01111 00001 00010 01100",
  "-": "00000 00000 00000 11111 00000 00000 00000",
  ".": "00000 00000 00000 00000 00000 01100 01100",
  "<": "00010 00100 01000 10000 01000 00100 00010",
  "/": "00001 00010 00010 00100 01000 01000 10000",
  ":": "00000 01100 01100 00000 01100 01100 00000",
  "@": "01110 10001 10111 10101 10111 10000 01110",
  " ": "00000 00000 00000 00000 00000 00000 00000",
};

/** Draws text in the 5x7 font; each glyph cell is 6x8 units of `size` pixels. */
function text(canvas: Canvas, x: number, y: number, s: string, size: number, color: RGB): number {
  let cx = x;
  for (const ch of s.toUpperCase()) {
    const glyph = GLYPHS[ch] ?? GLYPHS["."]!;
    glyph.split(" ").forEach((row, gy) => {
      for (let gx = 0; gx < 5; gx++) if (row[gx] === "1") canvas.rect(cx + gx * size, y + gy * size, size, size, color);
    });
    cx += 6 * size;
  }
  return cx;
}

// ---------------------------------------------------------------------------------------------
// Faces
// ---------------------------------------------------------------------------------------------

export interface Look {
  skin: RGB;
  hair: RGB;
  hairStyle: "short" | "long" | "bun" | "bald";
  eyes: RGB;
  lips: RGB;
  shirt: RGB;
  /** Face height / width (1.2 - 1.4). */
  aspect: number;
  glasses: boolean;
  beard: boolean;
  mustache: boolean;
}

/** Where and how a face is drawn: centre and half-width in pixels, angles in degrees. */
export interface Placement {
  cx: number;
  cy: number;
  /** Half the face's width in pixels. */
  size: number;
  roll: number;
  yaw: number;
  pitch: number;
  smile: boolean;
}

/** Face-local coordinates: the face oval spans u ∈ [-1, 1], v ∈ [-aspect, aspect]. */
function toImage(p: Placement, u: number, v: number): [number, number] {
  const r = (p.roll * Math.PI) / 180;
  const c = Math.cos(r), s = Math.sin(r);
  return [p.cx + (u * c - v * s) * p.size, p.cy + (u * s + v * c) * p.size];
}

function toLocal(p: Placement, x: number, y: number): [number, number] {
  const r = (p.roll * Math.PI) / 180;
  const c = Math.cos(r), s = Math.sin(r);
  const dx = (x - p.cx) / p.size, dy = (y - p.cy) / p.size;
  return [dx * c + dy * s, -dx * s + dy * c];
}

/** How far the features move for a turned or tilted head (a flat drawing's idea of yaw/pitch). */
function featureShift(p: Placement): [number, number] {
  return [Math.sin((p.yaw * Math.PI) / 180) * 0.45, -Math.sin((p.pitch * Math.PI) / 180) * 0.4];
}

const shade = (c: RGB, k: number): RGB => [c[0] * k, c[1] * k, c[2] * k];

/** Draws a face: every shape is an ellipse (or ring, or clipped ellipse) in face-local coordinates. */
function drawFace(canvas: Canvas, look: Look, p: Placement): void {
  const a = look.aspect;
  const [fu, fv] = featureShift(p);
  const el = (cu: number, cv: number, ru: number, rv: number, color: RGB, clip?: (u: number, v: number) => boolean, hole?: [number, number]) => {
    const [cx, cy] = toImage(p, cu, cv);
    const reach = Math.max(ru, rv) * p.size + 2;
    canvas.shape(
      { x0: cx - reach, y0: cy - reach, x1: cx + reach, y1: cy + reach },
      (px, py) => {
        const [u, v] = toLocal(p, px, py);
        const d = ((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2;
        if (d > 1) return false;
        if (hole && ((u - cu) / hole[0]) ** 2 + ((v - cv) / hole[1]) ** 2 <= 1) return false;
        return clip ? clip(u, v) : true;
      },
      color,
    );
  };
  // Behind the face: long hair, shoulders, neck, ears.
  if (look.hairStyle === "long") el(0, 0.35, 1.3, a + 0.55, look.hair, (_u, v) => v < a + 0.7);
  el(0, a + 1.5, 2.1, 0.95, look.shirt);
  el(0, a + 0.35, 0.5, 0.7, shade(look.skin, 0.88));
  el(-0.98, 0.05, 0.16, 0.27, shade(look.skin, 0.95));
  el(0.98, 0.05, 0.16, 0.27, shade(look.skin, 0.95));
  // The face.
  el(0, 0, 1, a, look.skin);
  // Hair on top.
  // Hair on top: a crown, parted fringe in the middle, down to the temples at the sides.
  if (look.hairStyle !== "bald") {
    const sides = look.hairStyle === "long" ? 0.75 : 0.45;
    el(0, -a * 0.55, 1.08, a * 0.62, look.hair, (u, v) => v < -a * 0.5 - 0.08 + sides * u * u - 0.12 * Math.max(0, 0.35 - Math.abs(u + 0.15)));
  }
  if (look.hairStyle === "bun") el(0, -a - 0.25, 0.45, 0.35, look.hair);
  if (look.beard) el(0, 0.55, 0.98, a - 0.35, shade(look.hair, 1.05), (_u, v) => v > 0.3);
  // Eyebrows, eyes, nose, mouth: they move with the head's yaw and pitch.
  for (const side of [-1, 1]) {
    el(side * 0.38 + fu, -0.42 + fv, 0.22, 0.055, shade(look.hair, 0.9));
    el(side * 0.38 + fu, -0.18 + fv, 0.19, 0.1, [246, 246, 242]);
    el(side * 0.38 + fu * 1.15, -0.18 + fv, 0.085, 0.085, look.eyes);
    el(side * 0.38 + fu * 1.15, -0.18 + fv, 0.04, 0.04, [20, 20, 24]);
    if (look.glasses) el(side * 0.38 + fu, -0.18 + fv, 0.3, 0.21, [35, 35, 40], undefined, [0.26, 0.17]);
  }
  if (look.glasses) el(fu, -0.2 + fv, 0.09, 0.025, [35, 35, 40]);
  el(fu * 1.25, 0.06 + fv, 0.06, 0.2, shade(look.skin, 0.9));
  el(fu * 1.3, 0.22 + fv, 0.14, 0.07, shade(look.skin, 0.8));
  if (look.mustache) el(fu, 0.47 + fv, 0.33, 0.08, shade(look.hair, 0.95));
  if (p.smile) {
    el(fu, 0.56 + fv, 0.34, 0.17, look.lips, (_u, v) => v > 0.6 + fv);
    el(fu, 0.58 + fv, 0.27, 0.1, [250, 250, 245], (_u, v) => v > 0.62 + fv);
  } else {
    el(fu, 0.63 + fv, 0.3, 0.075, look.lips);
  }
}

const LANDMARKS: [string, number, number, boolean][] = [
  // type, u, v, moves with the features (false for the jaw line)
  ["eyeLeft", -0.38, -0.18, true],
  ["eyeRight", 0.38, -0.18, true],
  ["nose", 0, 0.22, true],
  ["mouthLeft", -0.3, 0.63, true],
  ["mouthRight", 0.3, 0.63, true],
  ["leftEyeBrowLeft", -0.6, -0.42, true],
  ["leftEyeBrowRight", -0.16, -0.42, true],
  ["leftEyeBrowUp", -0.38, -0.48, true],
  ["rightEyeBrowLeft", 0.16, -0.42, true],
  ["rightEyeBrowRight", 0.6, -0.42, true],
  ["rightEyeBrowUp", 0.38, -0.48, true],
  ["leftEyeLeft", -0.57, -0.18, true],
  ["leftEyeRight", -0.19, -0.18, true],
  ["leftEyeUp", -0.38, -0.28, true],
  ["leftEyeDown", -0.38, -0.08, true],
  ["rightEyeLeft", 0.19, -0.18, true],
  ["rightEyeRight", 0.57, -0.18, true],
  ["rightEyeUp", 0.38, -0.28, true],
  ["rightEyeDown", 0.38, -0.08, true],
  ["noseLeft", -0.14, 0.22, true],
  ["noseRight", 0.14, 0.22, true],
  ["mouthUp", 0, 0.55, true],
  ["mouthDown", 0, 0.71, true],
  ["leftPupil", -0.38, -0.18, true],
  ["rightPupil", 0.38, -0.18, true],
  ["upperJawlineLeft", -1, 0, false],
  ["midJawlineLeft", -0.72, 0.72, false],
  ["chinBottom", 0, 1, false],
  ["midJawlineRight", 0.72, 0.72, false],
  ["upperJawlineRight", 1, 0, false],
];

const round = (x: number, digits: number) => {
  const r = Math.round(x * 10 ** digits) / 10 ** digits;
  return r === 0 ? 0 : r;
};

/** The face's bounding box (the drawn oval, axis-aligned after roll) as ratios of the image. */
export function faceBox(p: Placement, aspect: number, width: number, height: number): BoundingBox {
  const r = (p.roll * Math.PI) / 180;
  const hw = Math.sqrt((Math.cos(r) * p.size) ** 2 + (Math.sin(r) * aspect * p.size) ** 2);
  const hh = Math.sqrt((Math.sin(r) * p.size) ** 2 + (Math.cos(r) * aspect * p.size) ** 2);
  return {
    Width: round((2 * hw) / width, 6),
    Height: round((2 * hh) / height, 6),
    Left: round((p.cx - hw) / width, 6),
    Top: round((p.cy - hh) / height, 6),
  };
}

/** Rekognition's 30 landmark types, where the drawing put them, as ratios of the image. */
export function faceLandmarks(p: Placement, aspect: number, width: number, height: number): Landmark[] {
  const [fu, fv] = featureShift(p);
  return LANDMARKS.map(([Type, u, v, moves]) => {
    const [x, y] = toImage(p, u + (moves ? fu : 0), (Type === "chinBottom" ? aspect : v) + (moves ? fv : 0));
    return { Type, X: round(x / width, 6), Y: round(y / height, 6) };
  });
}

/** The placement that draws a face into a given box (for add-fixture's user images). */
export function placementForBox(box: BoundingBox, aspect: number, width: number, height: number): Placement {
  return {
    cx: (box.Left + box.Width / 2) * width,
    cy: (box.Top + box.Height / 2) * height,
    size: (box.Width * width) / 2,
    roll: 0,
    yaw: 0,
    pitch: 0,
    smile: false,
  };
}

// ---------------------------------------------------------------------------------------------
// The cast
// ---------------------------------------------------------------------------------------------

interface Traits {
  gender: "Male" | "Female";
  age: [number, number];
}

interface PersonaSpec extends FixturePersona, Traits {
  look: Look;
  document: string;
  birth: string;
}

const PERSONAS: PersonaSpec[] = [
  {
    id: "ana", name: "Ana Silva", email: "ana.silva@example.com", document: "P-100231", birth: "1991-04-12", gender: "Female", age: [27, 35],
    look: { skin: [224, 182, 150], hair: [62, 40, 28], hairStyle: "long", eyes: [92, 60, 34], lips: [186, 96, 96], shirt: [44, 110, 160], aspect: 1.3, glasses: false, beard: false, mustache: false },
  },
  {
    id: "bruno", name: "Bruno Costa", email: "bruno.costa@example.com", document: "P-100457", birth: "1986-09-03", gender: "Male", age: [34, 44],
    look: { skin: [205, 160, 122], hair: [30, 26, 24], hairStyle: "short", eyes: [70, 48, 30], lips: [160, 92, 82], shirt: [150, 46, 46], aspect: 1.25, glasses: false, beard: true, mustache: true },
  },
  {
    id: "mei", name: "Mei Chen", email: "mei.chen@example.com", document: "P-100892", birth: "1995-01-27", gender: "Female", age: [24, 32],
    look: { skin: [236, 200, 168], hair: [18, 16, 20], hairStyle: "bun", eyes: [48, 34, 26], lips: [196, 104, 112], shirt: [236, 232, 220], aspect: 1.32, glasses: true, beard: false, mustache: false },
  },
  {
    id: "david", name: "David Okafor", email: "david.okafor@example.com", document: "P-101164", birth: "1979-11-08", gender: "Male", age: [40, 50],
    look: { skin: [120, 78, 52], hair: [22, 18, 16], hairStyle: "bald", eyes: [40, 26, 18], lips: [110, 62, 56], shirt: [60, 130, 80], aspect: 1.36, glasses: false, beard: false, mustache: true },
  },
  {
    id: "elena", name: "Elena Petrova", email: "elena.petrova@example.com", document: "P-101378", birth: "1998-06-19", gender: "Female", age: [21, 29],
    look: { skin: [244, 214, 194], hair: [222, 190, 120], hairStyle: "long", eyes: [70, 120, 170], lips: [214, 118, 124], shirt: [120, 70, 150], aspect: 1.28, glasses: false, beard: false, mustache: false },
  },
  {
    id: "farid", name: "Farid Haddad", email: "farid.haddad@example.com", document: "P-101605", birth: "1983-02-14", gender: "Male", age: [36, 46],
    look: { skin: [196, 148, 108], hair: [50, 44, 40], hairStyle: "short", eyes: [84, 64, 40], lips: [156, 90, 80], shirt: [40, 40, 48], aspect: 1.22, glasses: true, beard: false, mustache: true },
  },
  {
    id: "grace", name: "Grace Mensah", email: "grace.mensah@example.com", document: "P-101933", birth: "1989-08-30", gender: "Female", age: [30, 38],
    look: { skin: [142, 96, 66], hair: [26, 20, 18], hairStyle: "bun", eyes: [44, 30, 22], lips: [150, 80, 80], shirt: [230, 170, 40], aspect: 1.3, glasses: false, beard: false, mustache: false },
  },
];

/** Ana's look-alike: same colouring and hair, a slightly different face. Not a persona. */
const LOOKALIKE: { of: string; look: Look; traits: Traits } = {
  of: "ana",
  look: { skin: [220, 178, 146], hair: [70, 46, 32], hairStyle: "long", eyes: [80, 58, 38], lips: [180, 90, 92], shirt: [60, 120, 120], aspect: 1.24, glasses: false, beard: false, mustache: false },
  traits: { gender: "Female", age: [25, 33] },
};

interface Scene {
  bg: [RGB, RGB];
  light: RGB;
  /** Side light: brightness change from left (−) to right (+). */
  side: number;
}

const SELFIES: { placement: Omit<Placement, "cx" | "cy" | "size"> & { x: number; y: number; size: number }; scene: Scene; brightness: number; sharpness: number }[] = [
  { placement: { x: 0.5, y: 0.52, size: 0.15, roll: 0, yaw: 0, pitch: 0, smile: false }, scene: { bg: [[212, 220, 228], [170, 182, 196]], light: [1, 1, 1], side: 0 }, brightness: 78.4, sharpness: 86.9 },
  { placement: { x: 0.37, y: 0.55, size: 0.125, roll: -8, yaw: 14, pitch: -4, smile: true }, scene: { bg: [[120, 140, 120], [70, 90, 80]], light: [0.78, 0.78, 0.82], side: 0.25 }, brightness: 52.7, sharpness: 68.3 },
  { placement: { x: 0.62, y: 0.5, size: 0.175, roll: 6, yaw: -11, pitch: 6, smile: false }, scene: { bg: [[236, 206, 170], [200, 150, 110]], light: [1.1, 1.02, 0.9], side: -0.2 }, brightness: 83.1, sharpness: 74.6 },
];

function background(canvas: Canvas, scene: Scene, seed: string): void {
  const [top, bottom] = scene.bg;
  canvas.fill((_x, y) => {
    const t = y / canvas.height;
    return [top[0] + (bottom[0] - top[0]) * t, top[1] + (bottom[1] - top[1]) * t, top[2] + (bottom[2] - top[2]) * t];
  });
  // A few soft blocks: a door, a shelf, a picture frame.
  const rand = prng(`bg:${seed}`);
  for (let i = 0; i < 3; i++) {
    const w = canvas.width * (0.12 + rand() * 0.2), h = canvas.height * (0.15 + rand() * 0.4);
    const k = 0.8 + rand() * 0.35;
    canvas.rect(rand() * (canvas.width - w), rand() * canvas.height * 0.5, w, h, shade(top, k), 0.6);
  }
}

function lighting(canvas: Canvas, scene: Scene, seed: string, grain = 3): void {
  canvas.light((x) => {
    const k = 1 + scene.side * (x / canvas.width - 0.5) * 2;
    return [scene.light[0] * k, scene.light[1] * k, scene.light[2] * k];
  }, grain, seed);
}

function attributesFor(traits: Traits, look: Look, p: Placement, brightness: number): NonNullable<DetectedFace["attributes"]> {
  return {
    ageRange: { Low: traits.age[0], High: traits.age[1] },
    smile: { Value: p.smile, Confidence: p.smile ? 96.4 : 93.8 },
    eyeglasses: { Value: look.glasses, Confidence: 97.6 },
    sunglasses: { Value: false, Confidence: 99.1 },
    gender: { Value: traits.gender, Confidence: 98.7 },
    beard: { Value: look.beard, Confidence: look.beard ? 95.2 : 92.9 },
    mustache: { Value: look.mustache, Confidence: look.mustache ? 88.4 : 96.3 },
    eyesOpen: { Value: true, Confidence: 97.9 },
    mouthOpen: { Value: p.smile, Confidence: 91.5 },
    emotions: p.smile
      ? [{ Type: "HAPPY", Confidence: 97.2 }, { Type: "CALM", Confidence: 1.4 }, { Type: "SURPRISED", Confidence: 0.6 }, { Type: "CONFUSED", Confidence: 0.3 }, { Type: "SAD", Confidence: 0.2 }, { Type: "ANGRY", Confidence: 0.1 }, { Type: "DISGUSTED", Confidence: 0.1 }, { Type: "FEAR", Confidence: 0.1 }]
      : [{ Type: "CALM", Confidence: 94.6 }, { Type: "HAPPY", Confidence: 2.1 }, { Type: "SURPRISED", Confidence: 1.2 }, { Type: "CONFUSED", Confidence: 0.8 }, { Type: "SAD", Confidence: 0.6 }, { Type: "ANGRY", Confidence: 0.3 }, { Type: "DISGUSTED", Confidence: 0.2 }, { Type: "FEAR", Confidence: 0.2 }],
    faceOccluded: { Value: false, Confidence: brightness > 30 ? 98.2 : 90.1 },
    eyeDirection: { Yaw: round(p.yaw * 0.4, 2), Pitch: round(p.pitch * 0.4, 2), Confidence: 96.8 },
  };
}

function recordFace(args: {
  persona: string | null;
  look: Look;
  traits: Traits;
  p: Placement;
  canvas: Canvas;
  embedding: number[];
  confidence: number;
  brightness: number;
  sharpness: number;
}): FixtureFace {
  const { p, canvas, look } = args;
  return {
    persona: args.persona,
    boundingBox: faceBox(p, look.aspect, canvas.width, canvas.height),
    confidence: args.confidence,
    landmarks: faceLandmarks(p, look.aspect, canvas.width, canvas.height),
    pose: { Roll: round(p.roll, 4), Yaw: round(p.yaw, 4), Pitch: round(p.pitch, 4) },
    quality: { Brightness: args.brightness, Sharpness: args.sharpness },
    embedding: roundEmbedding(args.embedding),
    attributes: attributesFor(args.traits, look, p, args.brightness),
  };
}

// ---------------------------------------------------------------------------------------------
// The images
// ---------------------------------------------------------------------------------------------

function drawDocument(persona: PersonaSpec): { canvas: Canvas; p: Placement } {
  const canvas = new Canvas(400, 250);
  const paper: RGB = [226, 236, 230];
  canvas.fill((x, y) => {
    const wave = Math.sin(x / 9 + Math.sin(y / 17) * 2) * 4;
    return [paper[0] + wave, paper[1] + wave * 0.5, paper[2] - wave * 0.3];
  });
  canvas.rect(0, 0, 400, 36, [28, 60, 96]);
  text(canvas, 14, 8, "IDENTITY CARD", 2, [240, 240, 236]);
  text(canvas, 232, 14, "SPECIMEN - NOT VALID", 1, [210, 220, 235]);
  // The photo.
  canvas.rect(18, 50, 116, 148, [90, 90, 96]);
  canvas.rect(20, 52, 112, 144, [206, 214, 222]);
  const p: Placement = { cx: 76, cy: 116, size: 30, roll: 0, yaw: 0, pitch: 0, smile: false };
  drawFace(canvas, persona.look, p);
  canvas.rect(0, 196, 150, 54, paper); // the shoulders stop at the photo's edge
  canvas.rect(18, 196, 116, 2, [90, 90, 96]);
  // The fields.
  const [given, ...rest] = persona.name.split(" ");
  const surname = rest.join(" ");
  const label: RGB = [90, 104, 118], value: RGB = [20, 28, 40];
  text(canvas, 150, 50, "SURNAME", 1, label);
  text(canvas, 150, 60, surname, 2, value);
  text(canvas, 150, 84, "GIVEN NAMES", 1, label);
  text(canvas, 150, 94, given ?? "", 2, value);
  text(canvas, 150, 118, "DATE OF BIRTH", 1, label);
  text(canvas, 150, 128, persona.birth, 2, value);
  text(canvas, 150, 152, "DOCUMENT NO", 1, label);
  text(canvas, 150, 162, persona.document, 2, value);
  // A machine-readable zone.
  canvas.rect(0, 206, 400, 44, [240, 242, 238]);
  const mrz1 = `IDXEX${persona.document.replace("-", "")}<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<`.slice(0, 36);
  const mrz2 = `${surname}<<${given}<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<`.slice(0, 36);
  text(canvas, 14, 214, mrz1, 1, value);
  text(canvas, 14, 230, mrz2, 1, value);
  lighting(canvas, { bg: [paper, paper], light: [1, 1, 1], side: 0 }, `doc:${persona.id}`, 0);
  return { canvas, p };
}

function drawSelfie(look: Look, index: number, seed: string): { canvas: Canvas; p: Placement } {
  const spec = SELFIES[index]!;
  const canvas = new Canvas(320, 240);
  const rand = prng(`selfie:${seed}`);
  const jitter = () => (rand() - 0.5) * 0.04;
  background(canvas, spec.scene, seed);
  const q = spec.placement;
  const p: Placement = {
    cx: Math.round((q.x + jitter()) * canvas.width),
    cy: Math.round((q.y + jitter()) * canvas.height),
    size: Math.round(q.size * canvas.width * (1 + jitter())),
    roll: q.roll,
    yaw: q.yaw,
    pitch: q.pitch,
    smile: q.smile,
  };
  drawFace(canvas, look, p);
  lighting(canvas, spec.scene, seed);
  return { canvas, p };
}

function drawNoFace(): Canvas {
  const canvas = new Canvas(320, 240);
  canvas.fill((_x, y) => (y < 150 ? [120 + y * 0.6, 170 + y * 0.3, 235] : [70, 130 - (y - 150) * 0.2, 60]));
  canvas.ellipse(255, 50, 22, 22, [250, 220, 120]);
  canvas.ellipse(70, 170, 130, 45, [80, 140, 70]);
  canvas.ellipse(240, 180, 150, 50, [60, 120, 58]);
  canvas.rect(120, 120, 70, 50, [200, 170, 130]);
  canvas.shape({ x0: 110, y0: 85, x1: 200, y1: 121 }, (x, y) => y >= 85 + Math.abs(x - 155) * 0.78 && y <= 121, [150, 60, 50]);
  canvas.rect(146, 140, 16, 30, [110, 70, 50]);
  canvas.rect(126, 130, 14, 12, [180, 210, 240]);
  canvas.rect(170, 130, 14, 12, [180, 210, 240]);
  lighting(canvas, { bg: [[0, 0, 0], [0, 0, 0]], light: [1, 1, 1], side: 0.05 }, "no-face");
  return canvas;
}

function drawSmallFaceScene(look: Look): { canvas: Canvas; p: Placement } {
  const canvas = new Canvas(640, 480);
  canvas.fill((_x, y) => (y < 300 ? [150 + y * 0.2, 190 + y * 0.1, 230] : [190, 180, 150]));
  canvas.ellipse(120, 330, 200, 60, [170, 160, 130]);
  canvas.rect(430, 150, 120, 160, [140, 120, 100]);
  canvas.rect(440, 160, 100, 70, [170, 200, 230]);
  const p: Placement = { cx: 300, cy: 330, size: 8, roll: 3, yaw: 5, pitch: 0, smile: false };
  drawFace(canvas, look, p);
  lighting(canvas, { bg: [[0, 0, 0], [0, 0, 0]], light: [1, 1, 1], side: 0 }, "small-face", 0);
  return { canvas, p };
}

const NOT_AN_IMAGE = [
  "%PDF-1.4",
  "% rekognito fixture: this file is not an image. Rekognition answers InvalidImageFormatException.",
  "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
  "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj",
  "trailer << /Root 1 0 R >>",
  "%%EOF",
  "",
].join("\n");

// ---------------------------------------------------------------------------------------------
// Generate
// ---------------------------------------------------------------------------------------------

export interface GeneratedFixtures {
  manifest: FixtureManifest;
  /** Relative path → bytes, manifest.json included. */
  files: Map<string, Buffer>;
}

/** Renders everything in memory. */
export function generateFixtures(): GeneratedFixtures {
  const files = new Map<string, Buffer>();
  const images: FixtureImageRecord[] = [];
  const personas: FixturePersona[] = [];
  const bases = new Map<string, number[]>();

  const addImage = (file: string, bytes: Buffer, record: Omit<FixtureImageRecord, "file" | "sha256">) => {
    files.set(file, bytes);
    images.push({ file, sha256: createHash("sha256").update(bytes).digest("hex"), ...record });
  };

  for (const spec of PERSONAS) {
    const base = personaBase(spec.id, [...bases.values()]);
    bases.set(spec.id, base);
    personas.push({ id: spec.id, name: spec.name, email: spec.email, embedding: roundEmbedding(base) });
  }

  for (const spec of PERSONAS) {
    const base = bases.get(spec.id)!;
    const doc = drawDocument(spec);
    addImage(`personas/${spec.id}/document.png`, doc.canvas.png(), {
      persona: spec.id,
      kind: "document",
      faces: [recordFace({ persona: spec.id, look: spec.look, traits: spec, p: doc.p, canvas: doc.canvas, embedding: imageEmbedding(base, `${spec.id}/document`), confidence: 99.9987, brightness: 81.2, sharpness: 89.6 })],
    });
    SELFIES.forEach((selfie, i) => {
      const seed = `${spec.id}/selfie-${i + 1}`;
      const { canvas, p } = drawSelfie(spec.look, i, seed);
      addImage(`personas/${spec.id}/selfie-${i + 1}.jpg`, canvas.jpeg(85), {
        persona: spec.id,
        kind: "selfie",
        faces: [recordFace({ persona: spec.id, look: spec.look, traits: spec, p, canvas, embedding: imageEmbedding(base, seed), confidence: round(99.99 - i * 0.0113, 4), brightness: selfie.brightness, sharpness: selfie.sharpness })],
      });
    });
  }

  // The look-alike: the persona's base turned by an angle found by bisection so that its
  // similarity to the base is LOOKALIKE_TARGET; then every image of the persona scores 80-89.
  {
    const embedding = lookalikeEmbedding(bases.get(LOOKALIKE.of)!, "lookalike:direction", [...bases.values()]);
    const { canvas, p } = drawSelfie(LOOKALIKE.look, 0, "lookalike");
    addImage(`cases/lookalike-of-${LOOKALIKE.of}.jpg`, canvas.jpeg(85), {
      persona: null,
      kind: "lookalike",
      lookalikeOf: LOOKALIKE.of,
      faces: [recordFace({ persona: null, look: LOOKALIKE.look, traits: LOOKALIKE.traits, p, canvas, embedding, confidence: 99.9912, brightness: 77.9, sharpness: 85.2 })],
    });
  }

  // Two faces: two personas side by side, the larger first (as Rekognition orders by size).
  {
    const canvas = new Canvas(400, 250);
    const scene: Scene = { bg: [[200, 210, 222], [150, 160, 178]], light: [1, 1, 1], side: 0.1 };
    background(canvas, scene, "two-faces");
    const left = PERSONAS.find((x) => x.id === "bruno")!, right = PERSONAS.find((x) => x.id === "elena")!;
    const pl: Placement = { cx: 128, cy: 122, size: 46, roll: 4, yaw: 8, pitch: 0, smile: true };
    const pr: Placement = { cx: 284, cy: 128, size: 38, roll: -5, yaw: -10, pitch: 2, smile: false };
    drawFace(canvas, right.look, pr);
    drawFace(canvas, left.look, pl);
    lighting(canvas, scene, "two-faces", 0);
    addImage("cases/two-faces.png", canvas.png(), {
      persona: null,
      kind: "two-faces",
      faces: [
        recordFace({ persona: left.id, look: left.look, traits: left, p: pl, canvas, embedding: imageEmbedding(bases.get(left.id)!, "two-faces/left"), confidence: 99.9954, brightness: 74.3, sharpness: 80.8 }),
        recordFace({ persona: right.id, look: right.look, traits: right, p: pr, canvas, embedding: imageEmbedding(bases.get(right.id)!, "two-faces/right"), confidence: 99.9871, brightness: 72.5, sharpness: 78.1 }),
      ],
    });
  }

  addImage("cases/no-face.jpg", drawNoFace().jpeg(85), { persona: null, kind: "no-face", faces: [] });

  // A face 16x21 pixels in a 640x480 scene: detected, but too small for IndexFaces' AUTO bar.
  {
    const who = PERSONAS.find((x) => x.id === "david")!;
    const { canvas, p } = drawSmallFaceScene(who.look);
    addImage("cases/small-face.png", canvas.png(), {
      persona: who.id,
      kind: "small-face",
      faces: [recordFace({ persona: who.id, look: who.look, traits: who, p, canvas, embedding: imageEmbedding(bases.get(who.id)!, "small-face"), confidence: 93.4127, brightness: 58.6, sharpness: 24.3 })],
    });
  }

  // A JPEG cut short: the first 40% of Mei's first selfie (no EOI).
  {
    const whole = files.get("personas/mei/selfie-1.jpg")!;
    addImage("cases/truncated.jpg", Buffer.from(whole.subarray(0, Math.floor(whole.length * 0.4))), { persona: null, kind: "corrupt", faces: [] });
  }

  addImage("cases/not-an-image.pdf", Buffer.from(NOT_AN_IMAGE, "utf8"), { persona: null, kind: "not-an-image", faces: [] });

  const manifest: FixtureManifest = { version: 1, personas, images };
  files.set("manifest.json", Buffer.from(stringifyManifest(manifest), "utf8"));
  checkCalibration(manifest);
  return { manifest, files };
}

/**
 * JSON with two-space indentation, except that arrays of numbers (embeddings) and objects whose
 * values are all numbers, strings or booleans (boxes, landmarks, pose) stay on one line.
 */
export function stringifyManifest(manifest: FixtureManifest): string {
  const flat = (v: unknown) => v === null || typeof v !== "object";
  const write = (v: unknown, indent: string): string => {
    if (flat(v)) return JSON.stringify(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      if (v.every(flat)) return JSON.stringify(v);
      return `[\n${v.map((x) => inner + write(x, inner)).join(",\n")}\n${indent}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.every(([, x]) => flat(x))) return `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${JSON.stringify(x)}`).join(", ")} }`;
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${write(x, inner)}`).join(",\n")}\n${indent}}`;
  };
  return `${write(manifest, "")}\n`;
}

/** Refuses to write fixtures that break the promised scores. */
function checkCalibration(manifest: FixtureManifest): void {
  const faces = manifest.images.flatMap((i) => i.faces.map((f) => ({ image: i, face: f })));
  for (const a of faces)
    for (const b of faces) {
      if (a === b) continue;
      const s = similarity(a.face.embedding, b.face.embedding);
      const same = a.face.persona !== null && a.face.persona === b.face.persona;
      const lookalikePair = (a.image.lookalikeOf ?? b.image.lookalikeOf) !== undefined && (a.face.persona ?? b.face.persona) === (a.image.lookalikeOf ?? b.image.lookalikeOf);
      const ok = same ? s >= 95 : lookalikePair ? s >= 80 && s < 89 : s < 50;
      if (!ok) throw new Error(`calibration: ${a.image.file} vs ${b.image.file} scores ${s}`);
    }
}

/** Writes the fixtures into `outDir` (created). */
export function writeFixtures(outDir: string): GeneratedFixtures {
  const generated = generateFixtures();
  for (const [file, bytes] of generated.files) {
    const path = join(outDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return generated;
}

export const DEFAULT_FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/faces");

export type { FixtureKind };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--out");
  const outDir = resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : DEFAULT_FIXTURES_DIR);
  const { files, manifest } = writeFixtures(outDir);
  let total = 0;
  for (const bytes of files.values()) total += bytes.length;
  process.stdout.write(`wrote ${files.size} files (${manifest.personas.length} personas, ${manifest.images.length} images, ${total} bytes) to ${outDir}\n`);
}
