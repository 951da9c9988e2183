/**
 * Records one of your own images as a fixture, so the fixture engine recognises it.
 *
 *     npm run add-fixture -- <image> --persona <id> [options]
 *
 *   --persona <id>        whose face it is: a built-in persona (ana, bruno, ...) or one of yours;
 *                         a new id needs --name and --email and gets its own embedding
 *   --name <full name>    a new persona's name
 *   --email <address>     a new persona's email
 *   --kind <kind>         selfie (default), document, lookalike, small-face, no-face,
 *                         corrupt or not-an-image
 *   --lookalike-of <id>   with --kind lookalike: scores 80-89 against that persona
 *   --box L,T,W,H         the face's bounding box as ratios of the image (default: a centred box)
 *   --manifest <path>     where to record it (default fixtures/faces/user/manifest.json, which
 *                         the fixture engine loads automatically)
 *
 * The image is copied beside the manifest (<persona>/<file name>), hashed (sha256) and recorded
 * with one face: the persona's base embedding plus small noise seeded by the image's hash (so
 * it scores 95-100 against the persona's other images), landmarks placed in the box the way the
 * drawn fixtures place them, good quality and a frontal pose. See fixtures/faces/README.md.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { BoundingBox } from "../server/faces/engine.js";
import {
  DEFAULT_MANIFEST_PATH,
  DEFAULT_USER_MANIFEST_PATH,
  loadFixtureManifest,
  readManifest,
  type FixtureFace,
  type FixtureImageRecord,
  type FixtureKind,
  type FixtureManifest,
} from "../server/faces/fixtures.js";
import { sniffImage } from "../server/faces/image.js";
import { imageEmbedding, lookalikeEmbedding, personaBase, roundEmbedding } from "./fixtures/embeddings.js";
import { faceBox, faceLandmarks, placementForBox } from "./fixtures/face.js";
import { stringifyManifest } from "./fixtures/manifest.js";

const KINDS: FixtureKind[] = ["document", "selfie", "lookalike", "two-faces", "no-face", "small-face", "corrupt", "not-an-image"];
/** The drawn faces' height/width; a user's box keeps its own proportions for the box itself. */
const ASPECT = 1.3;

export interface AddFixtureOptions {
  image: string;
  persona?: string;
  name?: string;
  email?: string;
  kind?: FixtureKind;
  lookalikeOf?: string;
  /** Ratios of the image. */
  box?: BoundingBox;
  manifest?: string;
}

export function addFixture(options: AddFixtureOptions): FixtureImageRecord {
  const manifestPath = resolve(options.manifest ?? DEFAULT_USER_MANIFEST_PATH);
  const kind = options.kind ?? "selfie";
  if (!KINDS.includes(kind)) throw new Error(`--kind must be one of ${KINDS.join(", ")}`);
  const bytes = readFileSync(options.image);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const info = sniffImage(bytes);
  if (!info && kind !== "corrupt" && kind !== "not-an-image") {
    throw new Error(`${options.image} is not a complete JPEG or PNG (Rekognition would answer InvalidImageFormatException); record it with --kind corrupt or --kind not-an-image`);
  }

  // Everything known so far: the built-in fixtures, and the target manifest.
  const extra = manifestPath === DEFAULT_MANIFEST_PATH ? [] : existsSync(manifestPath) ? [manifestPath] : [];
  const known = loadFixtureManifest({ manifestPath: DEFAULT_MANIFEST_PATH, extraManifests: extra, includeUserManifest: false });
  const clash = known.images.find((i) => i.sha256 === sha256);
  if (clash) throw new Error(`this image is already recorded as ${clash.path}`);
  const manifest: FixtureManifest = existsSync(manifestPath) ? readManifest(manifestPath) : { version: 1, personas: [], images: [] };

  const bases = known.personas.filter((p) => p.embedding).map((p) => p.embedding!);
  const personas = [...known.personas];
  const baseOf = (id: string) => {
    const persona = personas.find((p) => p.id === id);
    if (!persona?.embedding) throw new Error(`unknown persona "${id}": give --name and --email to create it`);
    return persona.embedding;
  };

  let personaId: string | null = options.persona ?? null;
  if (kind === "lookalike") {
    if (!options.lookalikeOf) throw new Error("--kind lookalike needs --lookalike-of <persona>");
    baseOf(options.lookalikeOf);
    personaId = null;
  }
  if (personaId && !known.personas.some((p) => p.id === personaId)) {
    if (!options.name || !options.email) throw new Error(`unknown persona "${personaId}": give --name and --email to create it`);
    const base = personaBase(personaId, bases);
    const persona = { id: personaId, name: options.name, email: options.email, embedding: roundEmbedding(base) };
    manifest.personas.push(persona);
    personas.push(persona);
    bases.push(base);
  }

  const faces: FixtureFace[] = [];
  const hasFace = info && !["no-face", "corrupt", "not-an-image"].includes(kind);
  if (hasFace) {
    if (!personaId && kind !== "lookalike") throw new Error("a face needs --persona <id> (or --kind no-face)");
    const box = options.box ?? defaultBox(info.width, info.height);
    const p = placementForBox({ ...box, Height: (box.Width * info.width * ASPECT) / info.height }, ASPECT, info.width, info.height);
    // The landmarks come from the drawn geometry, squeezed into the box the user gave.
    const drawn = faceBox(p, ASPECT, info.width, info.height);
    const landmarks = faceLandmarks(p, ASPECT, info.width, info.height).map((l) => ({
      Type: l.Type,
      X: round6(box.Left + ((l.X - drawn.Left) / drawn.Width) * box.Width),
      Y: round6(box.Top + ((l.Y - drawn.Top) / drawn.Height) * box.Height),
    }));
    const embedding =
      kind === "lookalike"
        ? lookalikeEmbedding(baseOf(options.lookalikeOf!), `user-lookalike:${sha256}`, bases)
        : imageEmbedding(baseOf(personaId!), `user:${sha256}`);
    const small = kind === "small-face";
    faces.push({
      persona: personaId,
      boundingBox: { Width: round6(box.Width), Height: round6(box.Height), Left: round6(box.Left), Top: round6(box.Top) },
      confidence: small ? 93.5 : 99.99,
      landmarks,
      pose: { Roll: 0, Yaw: 0, Pitch: 0 },
      quality: { Brightness: 75, Sharpness: small ? 24 : 80 },
      embedding: roundEmbedding(embedding),
    });
  }

  const folder = join(dirname(manifestPath), personaId ?? "cases");
  mkdirSync(folder, { recursive: true });
  let target = join(folder, basename(options.image));
  if (existsSync(target)) target = join(folder, `${sha256.slice(0, 8)}-${basename(options.image)}`);
  copyFileSync(options.image, target);

  const record: FixtureImageRecord = {
    file: relative(dirname(manifestPath), target).split("\\").join("/"),
    sha256,
    persona: personaId,
    kind,
    ...(kind === "lookalike" ? { lookalikeOf: options.lookalikeOf } : {}),
    faces,
  };
  manifest.images.push(record);
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, stringifyManifest(manifest));
  return record;
}

/** A centred face box: 35% of the image's width, 1.3 times as tall (in pixels). */
function defaultBox(width: number, height: number): BoundingBox {
  const w = 0.35;
  const h = Math.min(0.9, (w * width * ASPECT) / height);
  return { Width: w, Height: h, Left: (1 - w) / 2, Top: Math.max(0, 0.45 - h / 2) };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function parseBox(text: string): BoundingBox {
  const parts = text.split(",").map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) {
    throw new Error("--box is L,T,W,H: four ratios between 0 and 1, e.g. --box 0.3,0.2,0.35,0.5");
  }
  const [Left, Top, Width, Height] = parts as [number, number, number, number];
  if (Left + Width > 1 || Top + Height > 1 || Width === 0 || Height === 0) throw new Error("--box must lie inside the image");
  return { Left, Top, Width, Height };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        persona: { type: "string" },
        name: { type: "string" },
        email: { type: "string" },
        kind: { type: "string" },
        "lookalike-of": { type: "string" },
        box: { type: "string" },
        manifest: { type: "string" },
      },
    });
    if (positionals.length !== 1) throw new Error("usage: npm run add-fixture -- <image> --persona <id> [--kind selfie] [--box L,T,W,H] [--name ... --email ...]");
    const record = addFixture({
      image: positionals[0]!,
      persona: values.persona,
      name: values.name,
      email: values.email,
      kind: values.kind as FixtureKind | undefined,
      lookalikeOf: values["lookalike-of"],
      box: values.box ? parseBox(values.box) : undefined,
      manifest: values.manifest,
    });
    process.stdout.write(`recorded ${record.file} (${record.kind}, persona ${record.persona ?? "none"}, ${record.faces.length} face(s), sha256 ${record.sha256})\n`);
  } catch (err) {
    process.stderr.write(`add-fixture: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
