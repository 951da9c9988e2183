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
 *
 * The parts are under scripts/fixtures/: numbers (the PRNG), embeddings, png, canvas, font,
 * face (drawing and geometry), cast, scenes and manifest. This file puts them together.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FixtureImageRecord, FixtureKind, FixtureManifest, FixturePersona } from "../server/faces/fixtures.js";
import { Canvas } from "./fixtures/canvas.js";
import { LOOKALIKE, PERSONAS, SELFIES, type Scene } from "./fixtures/cast.js";
import { imageEmbedding, lookalikeEmbedding, personaBase, roundEmbedding } from "./fixtures/embeddings.js";
import { drawFace, type Placement } from "./fixtures/face.js";
import { checkCalibration, recordFace, stringifyManifest } from "./fixtures/manifest.js";
import { round } from "./fixtures/numbers.js";
import { NOT_AN_IMAGE, background, drawDocument, drawNoFace, drawSelfie, drawSmallFaceScene, lighting } from "./fixtures/scenes.js";

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
