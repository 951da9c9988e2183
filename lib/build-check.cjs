// Whether the compiled server (lib/build.js) is fresh: what every start asks first, before it runs
// anything. CommonJS, and nothing loaded that the answer does not need (no ES module loader, no
// esbuild, node:crypto only when a file's time changed but maybe not its content), so that
// bin/rekognito.js can run a fresh build straight away: on Node 20 the ES-module way there (the
// loader, lib/build.js and its imports) was ~20 ms of a ~200 ms --bare start.
"use strict";
const { existsSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

const ROOT = resolve(__dirname, "..");
/** Where the build is kept: REKOGNITO_BUILD_DIR, else inside node_modules (as the web app's build). */
const OUT_DIR = process.env.REKOGNITO_BUILD_DIR ? resolve(process.env.REKOGNITO_BUILD_DIR) : join(ROOT, "node_modules", ".cache", "rekognito", "server");
const MANIFEST = "build.json";
/** Bumped when the build's shape changes: an older build is then stale whatever its inputs. */
const FORMAT = 3;
/** Each entry's file in the build. */
const OUTPUTS = { index: "index.mjs", testcontainers: "testcontainers.mjs", cli: "cli.cjs", "faces-worker": "faces-worker.mjs", dynalite: "dynalite.cjs" };

const sha1 = (bytes) => require("node:crypto").createHash("sha1").update(bytes).digest("hex");

function readManifest(outDir) {
  try {
    return JSON.parse(readFileSync(join(outDir, MANIFEST), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Whether the build in `outDir` was made from the files as they are now. Fast path: each input's
 * size and time as recorded; a file whose time changed but not its content (a checkout, a copy
 * into an image) is compared by hash. Returns { fresh, reason }.
 */
function checkBuild(outDir = OUT_DIR, root = ROOT) {
  const manifest = readManifest(outDir);
  if (!manifest) return { fresh: false, reason: "there is no build yet" };
  if (manifest.format !== FORMAT) return { fresh: false, reason: "the build is of an older format" };
  for (const file of Object.values(OUTPUTS)) {
    if (!existsSync(join(outDir, file))) return { fresh: false, reason: `${file} is missing from the build` };
  }
  let retimed = false;
  for (const [file, entry] of Object.entries(manifest.inputs)) {
    const [size, mtimeMs, hash] = entry;
    const path = resolve(root, file);
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // not readable, or under a file: gone as far as the build is concerned
    }
    if (!stat) return { fresh: false, reason: `${file} is gone` };
    if (stat.size === size && stat.mtimeMs === mtimeMs) continue;
    if (stat.size !== size || sha1(readFileSync(path)) !== hash) return { fresh: false, reason: `${file} changed` };
    entry[1] = stat.mtimeMs;
    retimed = true;
  }
  // The same contents with new times (a checkout, a copy into an image): remember the times, so
  // the next start compares sizes and times alone again. Best effort (the folder may be read-only).
  if (retimed) {
    try {
      const temporary = join(outDir, `${MANIFEST}.${process.pid}`);
      writeFileSync(temporary, `${JSON.stringify(manifest)}\n`);
      renameSync(temporary, join(outDir, MANIFEST));
    } catch {
      // kept as it was: the contents are compared again next time
    }
  }
  return { fresh: true, reason: "" };
}

exports.ROOT = ROOT;
exports.OUT_DIR = OUT_DIR;
exports.MANIFEST = MANIFEST;
exports.FORMAT = FORMAT;
exports.OUTPUTS = OUTPUTS;
exports.sha1 = sha1;
exports.readManifest = readManifest;
exports.checkBuild = checkBuild;
