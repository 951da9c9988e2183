// The compiled server: `npm start` runs JavaScript that esbuild bundled from server/ (and what it
// imports), never the TypeScript sources through a loader at every start (tsx cost ~1 s of a
// 1.2-1.6 s boot: transpiling ~250 files, resolving ~1,000 modules of node_modules one by one).
//
//   node lib/build.js            builds it (npm ci runs it: the "prepare" script; `npm run build`)
//   node lib/build.js --check    says whether the build is fresh, and why not
//
// Plain JavaScript with esbuild alone (a runtime dependency, as for the web app's build), so it
// works on an install without dev dependencies (the Docker image, `npm ci --omit=dev`).
//
// The build lives in node_modules/.cache/rekognito/server (never committed; `npm ci` starts it
// afresh) with build.json listing every file it was made from (size, time, content hash). A
// start checks that list (a few milliseconds), rebuilds when a source changed, and runs the
// TypeScript sources through tsx, with a warning, when it cannot build: stale output never runs.
//
// What stays as the sources ran: `import.meta.url` in rekognito's own modules is their source
// file's URL (so template.yaml, fixtures/, the service models, the console's assets and the
// Lambda runtime are found where they are), stack traces name the .ts files (source maps), and
// a module imported on first use (`await import(...)`) is still loaded only then.
//
// The CLI is one CommonJS file, cli.cjs, which bin/rekognito.js runs with V8's code cache
// (lib/code-cache.cjs): Node 20 keeps no compiled code of ES modules between starts, and parsing
// and compiling the server's code was ~45 ms of a 214 ms --bare start. The package's API
// (index, testcontainers) stays ES modules sharing their chunks.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// What a start checks before anything else (bin/rekognito.js, CommonJS): where the build is, its
// format and outputs, and whether it is fresh.
import { checkBuild, FORMAT, MANIFEST, OUT_DIR, OUTPUTS, readManifest, ROOT, sha1 } from "./build-check.cjs";

export { ROOT, OUT_DIR, checkBuild };

/** The entry points of the package's API, rekognito and rekognito/testcontainers (sharing their chunks). */
export const ENTRIES = {
  index: "server/index.ts",
  testcontainers: "testcontainers/index.ts",
};
/**
 * The CLI, bundled alone as CommonJS (what V8's code cache runs: lib/code-cache.cjs): its modules
 * imported on first use are in the same file, each run only when imported, as before.
 */
const CLI_ENTRIES = { cli: "server/cli.ts" };
/** The face analysis worker's thread, bundled alone: it needs a few modules of the server, not its chunks. */
const WORKER_ENTRIES = { "faces-worker": "server/faces/worker.ts" };

/**
 * The DynamoDB engine's dynalite (server/storage/dynamodb/engine-process.mjs, a process of its
 * own), bundled alone as CommonJS and run with V8's code cache: requiring the package resolved
 * and compiled ~90 files at every engine start. Only the loader of classic-level's native addon
 * (LevelDB) stays in node_modules, required by its path: it finds the addon beside itself.
 */
const engineEntries = (root) => ({ dynalite: createRequire(join(root, "package.json")).resolve("dynalite") });

/**
 * dynalite requires its actions and their validations by name (`require('./actions/' + action)`):
 * esbuild bundles the folder's files, keyed with their extension, so the name is given one. And
 * classic-level's addon loader is left out, by its path.
 */
function dynaliteBundle() {
  return {
    name: "rekognito-dynalite-bundle",
    setup(build) {
      build.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (args) =>
        /[\\/]classic-level$/.test(args.resolveDir) ? { path: join(args.resolveDir, "binding.js"), external: true } : undefined,
      );
      build.onLoad({ filter: /[\\/]dynalite[\\/]index\.js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const named = source.replace(/require\('\.\/(actions|validations)\/' \+ action\)/g, "require('./$1/' + action + '.js')");
        if (named === source) throw new Error("dynalite's index.js no longer requires its actions by name: see lib/build.js");
        return { loader: "js", contents: named };
      });
    },
  };
}

/**
 * Packages left outside the bundle, loaded from node_modules as they are: esbuild and tsx (binaries
 * and loaders), dynalite (it runs in a child process, engine-process.mjs), the model engine's
 * optional packages (absent from a lean install; they load their WebAssembly by path),
 * testcontainers (a dev dependency), and the AWS SDK, which the server does not run (its clients
 * are the user's, in testcontainers' clientsFor; one copy of each class).
 */
const EXTERNAL = ["esbuild", "tsx", "dynalite", "@vladmandic/face-api", "@tensorflow/*", "testcontainers", "@aws-sdk/*", "@smithy/*"];

/**
 * Packages Fastify requires only inside functions rekognito never calls: its JSON-schema
 * compilers (server/app.ts hands Fastify compilers that load them only should a route ever carry
 * a schema; none does), pino (the stack logs through its own logger) and light-my-request, behind
 * inject() (provisioning's in-process requests; a --bare start makes none). Bundled, they were
 * ~700 KB of the 2.9 MB a start parses before its first request; left out, they stay in
 * node_modules, loaded only should something call them. Left out only where the build's folder
 * finds them as the sources do (a nested copy is bundled as before).
 */
const LAZY_PACKAGES = ["@fastify/ajv-compiler", "@fastify/fast-json-stringify-compiler", "pino", "light-my-request"];

/**
 * Packages whose top level only defines things: code of the server's that imports them without
 * using them (the main thread reaches server/faces/pixels.ts's image codecs through
 * modelPackagesMissing(), which never decodes) then leaves them out of the bundle.
 */
const PURE_PACKAGES = ["jpeg-js", "pngjs"];

/**
 * Modules that Fastify requires at load but uses only on paths rekognito never takes, each loaded
 * then on first use instead (a stand-in that requires it when first read or called):
 * - Node's HTTPS, HTTP/2 and DNS, for servers rekognito never makes through Fastify (its own
 *   listen's DNS lookup): ~8 ms of a start;
 * - semver, which checks the Fastify versions a plugin declares it supports (no plugin here
 *   declares any): 47 KB parsed and ~4 ms run at every start;
 * - proxy-addr (and ipaddr.js), for the `trustProxy` option, which rekognito does not set: 22 KB.
 * A package is left in node_modules only where the build's folder finds it as the sources do
 * (a nested copy is bundled, as before, and loaded at start).
 */
const LAZY_REQUIRES = {
  "node_modules/fastify/lib/server.js": { "node:https": "object", "node:http2": "object", "node:dns": "object" },
  "node_modules/fastify/lib/plugin-utils.js": { semver: "object" },
  "node_modules/fastify/lib/request.js": { "@fastify/proxy-addr": "function" },
};

function lazyRequires(outDir) {
  const fromBuild = createRequire(join(outDir, "entry.mjs"));
  const lazyFor = (importer) => Object.entries(LAZY_REQUIRES).find(([file]) => importer.split(sep).join("/").endsWith(file))?.[1];
  return {
    name: "rekognito-lazy-requires",
    setup(build) {
      build.onResolve({ filter: /^(node:|@fastify\/proxy-addr$|semver$)/ }, async (args) => {
        // The stand-in's own require: the module itself, from node_modules (or Node) at run time.
        if (args.namespace === "rekognito-lazy-require") return { path: args.path, external: true };
        if (args.pluginData?.rekognitoLazy) return undefined;
        const kind = lazyFor(args.importer)?.[args.path];
        if (!kind) return undefined;
        if (!args.path.startsWith("node:")) {
          const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { rekognitoLazy: true } });
          let atRuntime;
          try {
            atRuntime = fromBuild.resolve(args.path);
          } catch {
            atRuntime = undefined;
          }
          if (resolved.errors.length || atRuntime !== resolved.path) return undefined;
        }
        return { path: args.path, namespace: "rekognito-lazy-require", pluginData: { kind } };
      });
      build.onLoad({ filter: /.*/, namespace: "rekognito-lazy-require" }, (args) => {
        const load = `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(args.path)}));\n`;
        // A module that is a function (proxy-addr) is called through the stand-in as well.
        const traps =
          args.pluginData.kind === "function"
            ? `function () {}, { apply: (_, self, list) => Reflect.apply(load(), self, list), construct: (_, list) => Reflect.construct(load(), list), get: (_, key) => load()[key], has: (_, key) => key in load() }`
            : `{}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => Object.getOwnPropertyDescriptor(load(), key) }`;
        return { loader: "js", contents: `${load}module.exports = new Proxy(${traps});\n` };
      });
    },
  };
}

/**
 * Node's http module as CommonJS: an ES import of a built-in makes Node copy every export into a
 * module namespace, and node:http's exports on Node 22+ include getters (WebSocket, fetch's
 * classes) that load undici, ~35 ms of a start. Required, nothing is read until used.
 */
function requiredBuiltins() {
  return {
    name: "rekognito-required-builtins",
    setup(build) {
      build.onResolve({ filter: /^(node:)?http$/ }, (args) => (args.kind === "import-statement" ? { path: "node:http", namespace: "rekognito-required-builtin" } : undefined));
      build.onLoad({ filter: /.*/, namespace: "rekognito-required-builtin" }, (args) => ({ loader: "js", contents: `module.exports = require(${JSON.stringify(args.path)});\n` }));
    },
  };
}

function lazyPackages(outDir) {
  const names = new Set(LAZY_PACKAGES);
  const pure = new Set(PURE_PACKAGES);
  const fromBuild = createRequire(join(outDir, "entry.mjs"));
  return {
    name: "rekognito-lazy-packages",
    setup(build) {
      build.onResolve({ filter: /^(@[^/]+\/)?[^/.][^/]*$/ }, async (args) => {
        if (args.pluginData?.rekognitoLazy || (!names.has(args.path) && !pure.has(args.path))) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { rekognitoLazy: true } });
        if (resolved.errors.length) return undefined;
        if (pure.has(args.path)) return { ...resolved, sideEffects: false };
        let atRuntime;
        try {
          atRuntime = fromBuild.resolve(args.path);
        } catch {
          atRuntime = undefined;
        }
        return atRuntime === resolved.path ? { path: args.path, external: true } : resolved;
      });
    },
  };
}

/** Replaces server/build-info.ts in the bundle: the compiled server knows it is, and where it is. */
const BUILD_INFO = join("server", "build-info.ts");

/**
 * Our own modules' `import.meta.url` as their source file's URL, computed from where the chunk
 * is (every output is in one folder), so the build moves with the checkout.
 */
function sourceUrls(outDir, root, format) {
  // Where the output file is: its own URL (ES modules), or the file's path (CommonJS).
  const here = format === "cjs" ? `require("node:url").pathToFileURL(__filename)` : "import.meta.url";
  return {
    name: "rekognito-source-urls",
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
        if (args.path.split(sep).includes("node_modules")) return undefined;
        if (args.path === join(root, BUILD_INFO)) {
          return { loader: "js", contents: `export const compiledBuild = new URL("./", ${here});\n` };
        }
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta")) return undefined;
        const { transform } = await import("esbuild");
        const out = await transform(source, {
          loader: "ts",
          format: "esm",
          sourcefile: args.path,
          sourcemap: "inline",
          define: { "import.meta.url": "__sourceUrl", "import.meta.filename": "__sourceFile", "import.meta.dirname": "__sourceDir" },
        });
        const url = JSON.stringify(relative(outDir, args.path).split(sep).join("/"));
        // On the first line, so the inline source map's lines still match.
        const head =
          `import { fileURLToPath as __toPath } from "node:url"; const __sourceUrl = new URL(${url}, ${here}).href; ` +
          `const __sourceFile = __toPath(__sourceUrl); const __sourceDir = __toPath(new URL(".", __sourceUrl)); `;
        return { loader: "js", contents: head + out.code };
      });
    },
  };
}

/** Builds into `outDir` (default OUT_DIR) the sources under `root`; resolves to { ms, inputs, bytes }. */
export async function build(outDir = OUT_DIR, root = ROOT) {
  const started = performance.now();
  const esbuild = await import("esbuild");
  // Built beside the target, then moved in file by file (chunks first, the manifest last), so
  // a server starting meanwhile runs either build whole, never half of one.
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const common = {
      absWorkingDir: root,
      outdir: staging,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outExtension: { ".js": ".mjs" },
      external: EXTERNAL,
      // Bundled CommonJS packages require Node's built-ins; an ES module has no `require` of its own.
      banner: { js: `import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);` },
      // Read by lib/stack-traces.cjs when a stack is (not by Node at load: no sourceMappingURL comment).
      sourcemap: "external",
      sourcesContent: false,
      metafile: true,
      logLevel: "silent",
      legalComments: "none",
      // Without comments and indentation: a start parses 0.9 MB instead of 1.3, and a chunk is
      // held as one byte per character (a single "→" in a kept comment made V8 keep the whole
      // 1.3 MB chunk's source as UTF-16, 2.7 MB of an idle server's heap). Stack traces are
      // mapped through the source maps as before (lib/stack-traces.cjs).
      minifyWhitespace: true,
      // Every character outside ASCII escaped (esbuild's default, relied on: lib/code-cache.cjs
      // reads cli.cjs as Latin-1).
      charset: "ascii",
      plugins: [lazyRequires(outDir), requiredBuiltins(), lazyPackages(outDir), sourceUrls(outDir, root, "esm")],
    };
    // CommonJS has a `require` of its own, and requires Node's built-ins without copying their
    // exports. Its import() of a package left in node_modules (esbuild, the AWS SDK: all have
    // CommonJS builds) becomes a require: a script run through vm.Script has no import() of its own.
    const commonJs = {
      ...common,
      format: "cjs",
      outExtension: { ".js": ".cjs" },
      banner: {},
      supported: { "dynamic-import": false },
      plugins: [lazyRequires(outDir), lazyPackages(outDir), sourceUrls(outDir, root, "cjs")],
    };
    const results = await Promise.all([
      esbuild.build({ ...common, entryPoints: ENTRIES, splitting: true, chunkNames: "chunk-[hash]" }),
      esbuild.build({ ...commonJs, entryPoints: CLI_ENTRIES }),
      esbuild.build({ ...common, entryPoints: WORKER_ENTRIES }),
      // Not EXTERNAL, which names dynalite itself; no source map: the engine maps no stack traces.
      esbuild.build({ ...commonJs, entryPoints: engineEntries(root), external: [], sourcemap: false, plugins: [dynaliteBundle()] }),
    ]);
    const inputs = {};
    const record = (path) => {
      inputs[relative(root, path).split(sep).join("/")] = [statSync(path).size, statSync(path).mtimeMs, sha1(readFileSync(path))];
    };
    for (const file of [...new Set(results.flatMap((r) => Object.keys(r.metafile.inputs)))].sort()) {
      // Not files: esbuild's own ("<runtime>") and this build's built-in stand-ins.
      if (!file.startsWith("<") && !/^rekognito-(lazy-require|required-builtin):/.test(file)) record(resolve(root, file));
    }
    // What went in besides the sources: this script and the settings esbuild read.
    for (const file of ["lib/build.js", "lib/build-check.cjs", "tsconfig.json", "package.json"]) record(join(root, file));
    const files = readdirSync(staging);
    const previous = readManifest(outDir);
    mkdirSync(outDir, { recursive: true });
    const order = (name) => (name.startsWith("chunk-") ? 0 : 1);
    const manifest = {
      format: FORMAT,
      builtAt: new Date().toISOString(),
      esbuild: esbuild.version,
      files,
      // The files of the two builds before stay: a server started from one of them still
      // imports its lazily loaded chunks from here.
      previousFiles: [previous?.files ?? [], ...(previous?.previousFiles ?? []).slice(0, 1)],
      inputs,
    };
    for (const name of [...files].sort((a, b) => order(a) - order(b))) renameSync(join(staging, name), join(outDir, name));
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest)}\n`);
    renameSync(join(staging, MANIFEST), join(outDir, MANIFEST));
    const keep = new Set([MANIFEST, ...files, ...manifest.previousFiles.flat()]);
    for (const name of readdirSync(outDir)) if (!keep.has(name)) rmSync(join(outDir, name), { force: true, recursive: true });
    // Node 24's compile cache for the ES-module CLI, which builds of format 2 kept beside this
    // folder: the CLI now carries its own cache (lib/code-cache.cjs), so that folder is dead weight.
    rmSync(`${outDir}.v8-cache`, { force: true, recursive: true });
    const bytes = files.reduce((sum, name) => sum + statSync(join(outDir, name)).size, 0);
    return { ms: performance.now() - started, inputs: Object.keys(inputs).length, bytes };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The URL of a fresh build's entry (`cli`: cli.cjs; `index`, `testcontainers`), building first when the
 * build is missing or stale; null when it cannot be built (the caller then runs the sources
 * through tsx, and says so). REKOGNITO_FROM_SOURCE=1 asks for the sources.
 */
export async function compiledEntry(name, log = (line) => process.stderr.write(`${line}\n`)) {
  if (process.env.REKOGNITO_FROM_SOURCE === "1") return null;
  const state = checkBuild();
  if (!state.fresh) {
    try {
      const built = await build();
      log(`rekognito: compiled the server (${state.reason}) in ${(built.ms / 1000).toFixed(1)} s`);
    } catch (error) {
      log(`rekognito: warning: could not compile the server (${state.reason}): ${firstLine(error)}; running the TypeScript sources through tsx instead (a slower start)`);
      return null;
    }
  }
  return pathToFileURL(join(OUT_DIR, OUTPUTS[name])).href;
}

function firstLine(error) {
  const message = error?.errors?.[0] ? `${error.errors[0].text} (${error.errors[0].location?.file}:${error.errors[0].location?.line})` : (error?.message ?? String(error));
  return String(message).split("\n")[0];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const state = checkBuild();
    process.stdout.write(state.fresh ? `the compiled server is fresh (${relative(process.cwd(), OUT_DIR)})\n` : `the compiled server is stale: ${state.reason}\n`);
    process.exit(state.fresh ? 0 : 1);
  }
  build().then(
    (result) => process.stdout.write(`server compiled in ${result.ms.toFixed(0)} ms: ${result.inputs} files, ${(result.bytes / 1024 / 1024).toFixed(1)} MB (${relative(process.cwd(), OUT_DIR) || "."})\n`),
    (error) => {
      process.stderr.write(`server build failed: ${firstLine(error)}\n`);
      process.exit(1);
    },
  );
}
