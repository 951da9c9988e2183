import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DetectedFace } from "./engine.js";

/**
 * The fixture faces: personas drawn by scripts/make-fixtures.ts, their images, and the faces
 * recorded for each image (fixtures/faces/manifest.json, documented in fixtures/faces/README.md).
 */

export type FixtureKind =
  | "document"
  | "selfie"
  | "lookalike"
  | "two-faces"
  | "no-face"
  | "small-face"
  | "corrupt"
  | "not-an-image";

export interface FixturePersona {
  id: string;
  name: string;
  email: string;
  /** The persona's base embedding (unit, 128-d); each of its images is this plus small noise. */
  embedding?: number[];
}

/** A face as recorded in the manifest: a DetectedFace, plus whose face it is. */
export interface FixtureFace extends DetectedFace {
  /** The persona this face belongs to, or null for someone who is not a persona. */
  persona: string | null;
}

export interface FixtureImageRecord {
  /** Relative to the manifest's folder. */
  file: string;
  /** sha256 of the file's bytes, lower-case hex: how the fixture engine recognises it. */
  sha256: string;
  /** Who the image shows (documents, selfies, the small face), or null. */
  persona: string | null;
  kind: FixtureKind;
  /** For the look-alike: the persona it resembles. */
  lookalikeOf?: string;
  /** Faces in the image, largest first. Empty for no-face, corrupt and not-an-image. */
  faces: FixtureFace[];
}

export interface FixtureManifest {
  version: 1;
  personas: FixturePersona[];
  images: FixtureImageRecord[];
}

/** An image with its absolute path and the manifest it came from. */
export interface FixtureImage extends FixtureImageRecord {
  path: string;
  manifestPath: string;
}

export interface LoadedFixtures {
  personas: FixturePersona[];
  images: FixtureImage[];
  manifestPaths: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** fixtures/faces/manifest.json of this package. */
export const DEFAULT_MANIFEST_PATH = resolve(here, "../../fixtures/faces/manifest.json");

/**
 * Where `npm run add-fixture` records a user's own images by default. Kept apart from the
 * generated manifest so that regenerating the fixtures never loses them; the fixture engine
 * loads it when it exists.
 */
export const DEFAULT_USER_MANIFEST_PATH = resolve(here, "../../fixtures/faces/user/manifest.json");

export function readManifest(path: string): FixtureManifest {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as FixtureManifest;
  if (!Array.isArray(parsed.personas) || !Array.isArray(parsed.images)) {
    throw new Error(`${path} is not a fixture manifest: it needs "personas" and "images" arrays`);
  }
  return parsed;
}

/**
 * Loads the built-in manifest (or `manifestPath`), the user manifest when it exists, and any
 * `extraManifests`, in that order. A later persona with the same id replaces an earlier one;
 * images are kept in order (the engine answers with the first record of a given hash).
 */
export function loadFixtureManifest(options: { manifestPath?: string; extraManifests?: string[]; includeUserManifest?: boolean } = {}): LoadedFixtures {
  const paths = [resolve(options.manifestPath ?? DEFAULT_MANIFEST_PATH)];
  if ((options.includeUserManifest ?? options.manifestPath === undefined) && existsSync(DEFAULT_USER_MANIFEST_PATH)) {
    paths.push(DEFAULT_USER_MANIFEST_PATH);
  }
  for (const extra of options.extraManifests ?? []) if (!paths.includes(resolve(extra))) paths.push(resolve(extra));
  const personas = new Map<string, FixturePersona>();
  const images: FixtureImage[] = [];
  for (const manifestPath of paths) {
    const manifest = readManifest(manifestPath);
    for (const p of manifest.personas) personas.set(p.id, p);
    for (const image of manifest.images) {
      const path = isAbsolute(image.file) ? image.file : resolve(dirname(manifestPath), image.file);
      images.push({ ...image, path, manifestPath });
    }
  }
  return { personas: [...personas.values()], images, manifestPaths: paths };
}

let cached: LoadedFixtures | undefined;

/** The built-in fixtures (loaded once per process), filtered by persona and/or kind. */
export function fixtureImages(filter: { persona?: string | null; kind?: FixtureKind } = {}): FixtureImage[] {
  cached ??= loadFixtureManifest({ includeUserManifest: false });
  return cached.images.filter(
    (i) => (filter.persona === undefined || i.persona === filter.persona) && (filter.kind === undefined || i.kind === filter.kind),
  );
}

/** One built-in fixture image; throws when there is not exactly one match. */
export function fixtureImage(filter: { persona?: string | null; kind?: FixtureKind; file?: string }): FixtureImage {
  const found = fixtureImages(filter).filter((i) => filter.file === undefined || i.file === filter.file || i.file.endsWith(`/${filter.file}`));
  if (found.length !== 1) throw new Error(`expected one fixture image for ${JSON.stringify(filter)}, found ${found.length}`);
  return found[0]!;
}

/** The built-in personas. */
export function fixturePersonas(): FixturePersona[] {
  cached ??= loadFixtureManifest({ includeUserManifest: false });
  return cached.personas;
}

/** The bytes of a fixture image. */
export function readFixture(image: Pick<FixtureImage, "path">): Buffer {
  return readFileSync(image.path);
}
