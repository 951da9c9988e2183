import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fingerprint } from "./code.js";

/**
 * TypeScript handlers, compiled before their environments start: the handler's own code (its
 * .ts files and whatever it imports by relative path) bundled by esbuild into one ES module or
 * CommonJS file, with a source map, as `sam build`'s esbuild builder (BuildMethod: esbuild) does
 * for AWS. Packages stay outside the bundle, each resolved from the handler's own directory when
 * it is built (so the function's node_modules, then its ancestors', then rekognito's SDK, as
 * Node would at run time) and imported by that absolute path.
 *
 * Why: running TypeScript through tsx in every environment cost ~30 MB and ~300 ms of each
 * cold start (measured, a trigger importing four SDK clients: 105 MB RSS / 65 MB PSS and 1.4 s
 * to ready through tsx; 75 MB / 37 MB and 1.0 s compiled).
 *
 * What stays as tsx ran it: the module format (.mts ES module, .cts CommonJS, .ts by the
 * nearest package.json's "type"); `import.meta.url`, `__dirname` and `__filename` of the handler
 * file are its source's; `require` resolves from the source's directory; stack traces name the
 * .ts files and lines (node runs with --enable-source-maps).
 *
 * Builds are kept by content (the sources' paths, sizes and times) in rekognito's cache
 * directory, so restarts and other stacks on the machine reuse them; one build at a time per key.
 */

/** Bumped when the bundle's shape changes (a stale cache is then ignored). */
const FORMAT = "1";
const SOURCE = /\.(?:ts|mts|cts)$/;
const JAVASCRIPT = [".js", ".mjs", ".cjs"];
const TYPESCRIPT = [".ts", ".mts", ".cts"];

/** What the runtime loads for a handler: a compiled TypeScript entry, or nothing to do (JavaScript). */
export type Prepared =
  | { kind: "javascript" }
  | { kind: "compiled"; entry: string }
  | { kind: "failed"; errorType: string; errorMessage: string };

const ROOT = (() => {
  // node_modules/.cache/rekognito of this installation (as the web app's build), else the temp dir.
  const here = fileURLToPath(new URL("../..", import.meta.url));
  const candidate = join(here, "node_modules", ".cache", "rekognito", "lambda-builds");
  try {
    mkdirSync(candidate, { recursive: true });
    return candidate;
  } catch {
    const fallback = join(tmpdir(), "rekognito-lambda-builds");
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
})();

const inFlight = new Map<string, Promise<Prepared>>();
let esbuildUsers = 0;

/** The handler's source file: JavaScript first (as Node's runtime would find it), then TypeScript. */
export function handlerSource(codeDir: string, handler: string): { file: string; typescript: boolean } | undefined {
  const slash = handler.lastIndexOf("/");
  const folder = slash >= 0 ? handler.slice(0, slash + 1) : "";
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf(".");
  if (dot <= 0) return undefined;
  const base = join(codeDir, folder + rest.slice(0, dot));
  for (const ext of [...JAVASCRIPT, ...TYPESCRIPT]) {
    const file = base + ext;
    try {
      if (statSync(file).isFile()) return { file, typescript: TYPESCRIPT.includes(ext) };
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * The function's handler, compiled when it is TypeScript (cached); `nodePaths`: NODE_PATH's
 * folders; `sources`: the code directory's fingerprint, when the caller has just taken it.
 */
export function prepareHandler(codeDir: string, handler: string, nodePaths: readonly string[], sources: string = fingerprint(codeDir)): Promise<Prepared> {
  const source = handlerSource(codeDir, handler);
  if (!source?.typescript) return Promise.resolve({ kind: "javascript" });
  const key = createHash("sha256")
    .update(`${FORMAT}\0${source.file}\0${nodePaths.join(delimiterFree)}\0${sources}`)
    .digest("hex")
    .slice(0, 32);
  const existing = inFlight.get(key);
  if (existing) return existing;
  const done = build(source.file, codeDir, key, nodePaths).finally(() => inFlight.delete(key));
  inFlight.set(key, done);
  return done;
}

const delimiterFree = "\u0001";

async function build(file: string, codeDir: string, key: string, nodePaths: readonly string[]): Promise<Prepared> {
  const dir = join(ROOT, key);
  const outName = file.replace(/^.*[\\/]/, "").replace(SOURCE, "") + (formatOf(file) === "esm" ? ".mjs" : ".cjs");
  const entry = join(dir, outName);
  const manifest = join(dir, "externals.json");
  if (existsSync(entry) && existsSync(manifest)) {
    try {
      const externals = JSON.parse(readFileSync(manifest, "utf8")) as string[];
      // A package that moved since (npm install) makes the bundle stale.
      if (externals.every((path) => existsSync(path))) return { kind: "compiled", entry };
    } catch {
      // rebuild
    }
  }
  const esbuild = await import("esbuild");
  esbuildUsers++;
  try {
    const format = formatOf(file);
    const sourceUrl = pathToFileURL(file).href;
    const externals = new Set<string>();
    const result = await esbuild.build({
      entryPoints: [file],
      // Messages name files relative to the function's code ("src/app.ts:2:16").
      absWorkingDir: codeDir,
      bundle: true,
      platform: "node",
      target: `node${process.versions.node.split(".")[0]}`,
      format,
      write: false,
      outfile: entry,
      sourcemap: "linked",
      sourcesContent: false,
      logLevel: "silent",
      nodePaths: [...nodePaths],
      define:
        format === "esm"
          ? {
              "import.meta.url": JSON.stringify(sourceUrl),
              "import.meta.filename": JSON.stringify(file),
              "import.meta.dirname": JSON.stringify(dirname(file)),
            }
          : { __filename: JSON.stringify(file), __dirname: JSON.stringify(dirname(file)) },
      plugins: [
        {
          name: "packages-from-the-source",
          setup(b) {
            // Bare imports ("@aws-sdk/client-s3", "aws-sdk/clients/dynamodb"): resolved now from
            // the importing file's directory, imported at run time by that path.
            b.onResolve({ filter: /^[^./]|^\.[^./]|^\.\.[^/]/ }, async (args) => {
              if (args.pluginData === "inner" || isBuiltin(args.path)) return undefined;
              const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "inner" });
              if (resolved.errors.length || !resolved.path || !isAbsolute(resolved.path)) return undefined;
              externals.add(resolved.path);
              return { path: resolved.path, external: true };
            });
          },
        },
      ],
    });
    let code = "";
    let map = "";
    for (const out of result.outputFiles ?? []) {
      if (out.path.endsWith(".map")) map = out.text;
      else code = out.text;
    }
    // esbuild's require() shim for a CommonJS file inside an ES module bundle: give it Node's,
    // resolving from the source (a global, so that no declaration can clash with the code's own).
    if (format === "esm" && code.includes("__require(")) {
      code = `import { createRequire as __rekognitoCreateRequire } from "node:module";\nglobalThis.require ??= __rekognitoCreateRequire(${JSON.stringify(sourceUrl)});\n${code}`;
      map = map.replace('"mappings": "', '"mappings": ";;');
    }
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, outName), code);
    writeFileSync(join(staging, `${outName}.map`), map);
    writeFileSync(join(staging, "externals.json"), JSON.stringify([...externals]));
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      // another process built the same key meanwhile: theirs is as good
      rmSync(staging, { recursive: true, force: true });
    }
    return { kind: "compiled", entry };
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const first = errors?.[0];
    if (first) {
      const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
      if (/Could not resolve/.test(first.text)) {
        return { kind: "failed", errorType: "Runtime.ImportModuleError", errorMessage: `Error: Cannot find module ${first.text.replace(/^Could not resolve /, "")} imported from ${file}` };
      }
      return { kind: "failed", errorType: "Runtime.UserCodeSyntaxError", errorMessage: `SyntaxError: ${where}${first.text}` };
    }
    throw error;
  } finally {
    esbuildUsers--;
    // esbuild keeps a helper process (~20 MB) while anyone builds; none between builds.
    if (esbuildUsers === 0) setImmediate(() => esbuildUsers === 0 && void esbuild.stop());
  }
}

/** How Node would run the file: .mts ES module, .cts CommonJS, .ts by the nearest package.json's "type". */
function formatOf(file: string): "esm" | "cjs" {
  if (file.endsWith(".mts")) return "esm";
  if (file.endsWith(".cts")) return "cjs";
  let dir = dirname(file);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type === "module" ? "esm" : "cjs";
      } catch {
        return "cjs";
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return "cjs";
    dir = parent;
  }
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!);
}
