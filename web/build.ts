/**
 * Builds the face-login web app (web/src) into a folder of static files: index.html, app.js,
 * app.css. esbuild (which tsx already brings) bundles React and Amplify JS v6 for the browser
 * in about a second, offline.
 *
 *   npx tsx web/build.ts                          rekognito's copy (npm ci runs it: "prepare")
 *   npx tsx web/build.ts --out dist --base ./     a copy to host anywhere (S3 + CloudFront...):
 *                                                 put amplify_outputs.json beside index.html
 *
 * rekognito serves its copy from node_modules/.cache/rekognito/web (never committed, rebuilt by
 * every `npm ci`); if it is missing or older than the sources, the first page request builds it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(WEB_DIR, "..");
/** Where rekognito keeps the app it serves: inside node_modules, so `npm ci` starts it afresh. */
export const DEFAULT_OUT_DIR = join(ROOT, "node_modules", ".cache", "rekognito", "web");
/** Where rekognito serves the app's files from (index.html itself is served at `/`). */
export const REKOGNITO_BASE = "/_rekognito/app/";

export interface BuildOptions {
  outDir?: string;
  /** The URL prefix of app.js and app.css in index.html: REKOGNITO_BASE, or "./" to host the folder anywhere. */
  base?: string;
}

export interface BuildResult {
  outDir: string;
  files: { name: string; bytes: number }[];
  ms: number;
  fingerprint: string;
}

/** The files a build reads from web/: the sources and the page. */
function sourceFiles(): string[] {
  const out: string[] = [join(WEB_DIR, "index.html"), join(WEB_DIR, "outputs.ts")];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(join(WEB_DIR, "src"));
  return out.sort();
}

/**
 * What a build depends on: the sources' names and contents (a few dozen kilobytes: well under
 * a millisecond to hash, and unchanged by a copy that resets mtimes, as an image build does),
 * and the installed versions of what it bundles.
 */
export function sourceFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of sourceFiles()) hash.update(`${relative(WEB_DIR, file)}\n`).update(readFileSync(file));
  for (const pkg of ["react", "react-dom", "aws-amplify", "esbuild"]) {
    try {
      hash.update(`${pkg}@${(JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version}\n`);
    } catch {
      hash.update(`${pkg}@missing\n`);
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** The fingerprint of the build in `outDir`, or undefined when there is none. */
export function builtFingerprint(outDir = DEFAULT_OUT_DIR): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(outDir, "build.json"), "utf8")) as { fingerprint: string }).fingerprint;
  } catch {
    return undefined;
  }
}

export async function buildWebApp(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const base = options.base ?? REKOGNITO_BASE;
  const fingerprint = sourceFingerprint();
  // Imported here, not at the top: the server loads this module only to build.
  const esbuild = await import("esbuild");
  // Built beside the target and renamed into place, so a server never serves half a build.
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: { app: join(WEB_DIR, "src", "main.tsx") },
      outdir: staging,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: ["chrome110", "firefox115", "safari16"],
      minify: true,
      sourcemap: false,
      legalComments: "none",
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
      absWorkingDir: ROOT,
    });
    const page = readFileSync(join(WEB_DIR, "index.html"), "utf8").replaceAll("%BASE%", base);
    writeFileSync(join(staging, "index.html"), page);
    writeFileSync(join(staging, "build.json"), `${JSON.stringify({ fingerprint, base }, null, 2)}\n`);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const files = readdirSync(outDir)
    .filter((name) => name !== "build.json")
    .map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
  return { outDir, files, ms: performance.now() - started, fingerprint };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const result = await buildWebApp({ outDir: value("--out"), base: value("--base") });
  const sizes = result.files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(0)} KB`).join(", ");
  process.stdout.write(`web app built in ${result.ms.toFixed(0)} ms: ${sizes} (${relative(process.cwd(), result.outDir) || "."})\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`web build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
