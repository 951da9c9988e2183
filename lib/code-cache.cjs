// The compiled CLI (cli.cjs, one CommonJS file: lib/build.js) run with V8's code cache. Node 20
// keeps no compiled code of ES modules between starts (module.enableCompileCache is Node 22's),
// and V8 parsing and compiling the server's code was ~45 ms of a 214 ms --bare start. A script
// compiled through vm.Script takes V8's cached data instead: the functions a start ran, compiled
// the time before, are read back rather than parsed and compiled again.
//
// The cache is written once per build and V8 version, a few seconds into a start or when the
// process ends, if sooner (the functions the start and its first requests compiled are in it
// by then), beside the build, named after
// the file's size and time: a rebuild (which removes the old ones) never meets a stale cache,
// and V8 refuses one made with other flags (then it is written again). Without a cache, or when
// it cannot be read or written, the file is simply compiled, as an ES module was before.
//
// compileWrapped and writeCachedData also serve Node 20's Lambda environments, which compile the
// CommonJS files of node_modules the same way (server/lambda/runtime/bootstrap.mjs).
"use strict";
const Module = require("node:module");
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { dirname } = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

/** How long after a start its cache is written (once per build), unless the process ends first. */
const WRITE_AFTER_MS = 3000;

/** Runs the CommonJS file `file` as Node's loader would, compiled from its code cache when there is one. */
function runWithCodeCache(file) {
  // esbuild writes ASCII (its `charset`, escaping the rest): read as such, without UTF-8's decoding.
  const source = readFileSync(file, "latin1");
  const { size, mtimeMs } = statSync(file);
  const cacheFile = `${file}.${process.versions.v8}.${size}-${Math.trunc(mtimeMs)}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // the first start of this build (or of this Node)
  }
  // The file has no import() (the build made them requires): one from a script needs Node's
  // experimental vm modules. Lines and columns are those of its source map (stack traces are
  // mapped by its URL: lib/stack-traces.cjs).
  const script = compileWrapped(source, pathToFileURL(file).href, cachedData);
  if (!cachedData || script.cachedDataRejected) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      writeCachedData(script, cacheFile); // false for a read-only build (an image): every start compiles
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    process.once("exit", write);
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file));
  return module.exports;
}

/**
 * A CommonJS file's code compiled as Node's loader wraps it, from V8's `cachedData` when given
 * (`script.cachedDataRejected` tells whether V8 took it). The wrapper is on a line of its own, so
 * the file's lines and columns stay its own in stack traces. `options`: more of vm.Script's.
 */
function compileWrapped(source, filename, cachedData, options) {
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    ...options,
    filename,
    lineOffset: -1,
    cachedData,
  });
}

/** Writes `script`'s cached data to `cacheFile`, whole or not at all (others may read it meanwhile); false when it cannot. */
function writeCachedData(script, cacheFile) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
}

exports.runWithCodeCache = runWithCodeCache;
exports.compileWrapped = compileWrapped;
exports.writeCachedData = writeCachedData;
