import { execFile } from "node:child_process";
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
 * Builds are kept by content (the sources' paths, sizes and times, and Node's major version) in
 * rekognito's cache directory, so restarts and other stacks on the machine reuse them; one build
 * at a time per key.
 *
 * An ES module handler's imports of the AWS SDK's CommonJS files (what "@aws-sdk/client-s3"
 * resolves to) go through a small ES module written beside the bundle (sdkWrapper), which
 * require()s the file and exports the names Node would give that import. On Node 20, importing
 * the SDK's CommonJS from an ES module runs its files through the ES module loader (format
 * detection, the CommonJS export lexer, a slower compile): ~300 ms more CPU per environment init
 * for the four or five clients a trigger imports (measured: 0.33-0.49 s against 0.15-0.17 s by
 * require), which is what a burst of cold starts queues behind. The names are the ones Node
 * itself gives, read once per build in a child process that imports each file.
 */

/** Bumped when the bundle's shape changes (a stale cache is then ignored). */
const FORMAT = "2";
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

/**
 * Where Node.js environments keep V8's compiled code of what they load (the handler, the AWS
 * SDK's files), beside the builds, so that a cold start reads it instead of compiling again:
 * Node's module.enableCompileCache on Node 22 and later, on Node 20 the CommonJS files of
 * node_modules compiled through vm.Script with V8's cached data (bootstrap.mjs).
 */
export const COMPILE_CACHE_DIR = join(dirname(ROOT), "lambda-compile-cache");

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
    .update(`${FORMAT}\0${NODE_MAJOR}\0${source.file}\0${nodePaths.join(delimiterFree)}\0${sources}`)
    .digest("hex")
    .slice(0, 32);
  const existing = inFlight.get(key);
  if (existing) return existing;
  const done = build(source.file, codeDir, key, nodePaths).finally(() => inFlight.delete(key));
  inFlight.set(key, done);
  return done;
}

const delimiterFree = "\u0001";
const NODE_MAJOR = process.versions.node.split(".")[0]!;

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
    /** The SDK's CommonJS files imported, each with the wrapper module that stands for it. */
    const wrappers = new Map<string, string>();
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
              if (format === "esm" && (args.kind === "import-statement" || args.kind === "dynamic-import") && isSdkCommonJs(resolved.path)) {
                let wrapper = wrappers.get(resolved.path);
                if (!wrapper) wrappers.set(resolved.path, (wrapper = join(dir, "sdk", `${wrappers.size}.mjs`)));
                return { path: wrapper, external: true };
              }
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
    if (wrappers.size) {
      const names = await exportNames([...wrappers.keys()]);
      mkdirSync(join(staging, "sdk"), { recursive: true });
      for (const [target, wrapper] of wrappers) {
        const exported = names.get(target);
        if (exported) writeFileSync(join(staging, "sdk", wrapper.slice(wrapper.lastIndexOf("/") + 1)), sdkWrapper(target, exported));
        // Names unknown: the bundle imports the file itself, as before.
        else code = code.split(JSON.stringify(wrapper)).join(JSON.stringify(target));
      }
    }
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

/** A CommonJS file of the AWS SDK's packages (the scopes AWS's runtimes provide), by its place and package. */
function isSdkCommonJs(path: string): boolean {
  if (!/[\\/]node_modules[\\/]@(?:aws-sdk|smithy|aws-crypto)[\\/]/.test(path)) return false;
  if (path.endsWith(".cjs")) return true;
  return path.endsWith(".js") && formatOf(path) === "cjs";
}

/** Where the names Node gives an ES module import of each SDK file are kept (exportNames). */
export const EXPORT_NAMES_DIR = join(dirname(ROOT), "sdk-export-names");

type ExportedName = { name: string; whole: boolean };

/**
 * What an ES module import of each CommonJS file gives, by name, as Node itself says (one child
 * process imports them all and compares each name's value with the file's module.exports):
 * names that Node binds to module.exports itself ("default", Node 23's "module.exports") are
 * marked so. A file that failed, or whose names are not plain reads of module.exports, is left out.
 *
 * Kept in `cacheDir` per file (its path, size and time, and Node's version): a function's code
 * is unpacked anew for each revision and each data directory, so its bundle is built again,
 * but the SDK files it imports are the same, and the child that imports them took 0.2-0.5 s of
 * CPU per build (four of them in a first start of the face-login app).
 */
export async function exportNames(targets: string[], cacheDir: string = EXPORT_NAMES_DIR): Promise<Map<string, ExportedName[]>> {
  const names = new Map<string, ExportedName[]>();
  const entries = new Map<string, string>();
  const missing: string[] = [];
  for (const target of targets) {
    let entry: string;
    try {
      const stat = statSync(target);
      entry = join(cacheDir, `${createHash("sha256").update(`${process.version}\0${target}\0${stat.size}\0${stat.mtimeMs}`).digest("hex").slice(0, 32)}.json`);
    } catch {
      continue; // gone: nothing Node could import either
    }
    entries.set(target, entry);
    try {
      const cached = JSON.parse(readFileSync(entry, "utf8")) as { target: string; names: ExportedName[] | null };
      if (cached.target === target) {
        if (cached.names) names.set(target, cached.names);
        continue;
      }
    } catch {
      // not known yet (or unreadable): asked below
    }
    missing.push(target);
  }
  if (!missing.length) return names;
  const asked = await askNode(missing);
  if (!asked) return names;
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch {
    // a read-only cache: the names serve this build only
  }
  for (const target of missing) {
    const found = asked.get(target);
    if (found) names.set(target, found);
    const entry = entries.get(target)!;
    try {
      const staging = `${entry}.${process.pid}.tmp`;
      writeFileSync(staging, JSON.stringify({ target, names: found ?? null }));
      renameSync(staging, entry);
    } catch {
      // not kept: asked again next time
    }
  }
  return names;
}

/** The child process of exportNames; undefined when it failed as a whole (nothing is then kept). */
function askNode(targets: string[]): Promise<Map<string, ExportedName[]> | undefined> {
  const script = `
    import { createRequire } from "node:module";
    import { pathToFileURL } from "node:url";
    const require = createRequire(import.meta.url);
    const out = {};
    for (const target of process.argv.slice(1)) {
      try {
        const ns = await import(pathToFileURL(target).href);
        const whole = require(target);
        const names = [];
        let plain = Object.prototype.toString.call(whole) !== "[object Module]";
        for (const name of Object.keys(ns)) {
          if (ns[name] === whole && (name === "default" || name === "module.exports")) names.push({ name, whole: true });
          else if (ns[name] === whole[name]) names.push({ name, whole: false });
          else plain = false;
        }
        if (plain) out[target] = names;
      } catch {}
    }
    process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script, ...targets],
      { env: { PATH: process.env["PATH"] ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout) => {
        if (error) return resolve(undefined);
        try {
          resolve(new Map(Object.entries(JSON.parse(stdout) as Record<string, ExportedName[]>)));
        } catch {
          resolve(undefined); // none known: every import stays direct
        }
      },
    );
  });
}

/** An ES module standing for a CommonJS file: require()d, its names exported as Node's import of it would. */
function sdkWrapper(target: string, names: { name: string; whole: boolean }[]): string {
  const lines = [
    `// ${target} as an ES module import of it gives it, loaded by require() (see builds.ts).`,
    `import { createRequire } from "node:module";`,
    `const m = createRequire(import.meta.url)(${JSON.stringify(target)});`,
  ];
  const exported: string[] = [];
  names.forEach(({ name, whole }, i) => {
    if (whole) exported.push(`m as ${JSON.stringify(name)}`);
    else {
      lines.push(`const n${i} = m[${JSON.stringify(name)}];`);
      exported.push(`n${i} as ${JSON.stringify(name)}`);
    }
  });
  lines.push(`export { ${exported.join(", ")} };`, "");
  return lines.join("\n");
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
