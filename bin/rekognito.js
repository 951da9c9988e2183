#!/usr/bin/env node
// The `rekognito` command (`npm start`, npx rekognito): the compiled server (lib/build.js), built
// first when a source changed since, and run with V8's code cache (lib/code-cache.cjs); the
// TypeScript sources through tsx when it cannot be built.
//
// CommonJS (bin/package.json), as are the modules a start with a fresh build loads here: Node 20
// starts an ES module through its ES-module loader, ~20 ms of a ~200 ms --bare start with
// lib/build.js's imports. Only a missing or stale build, or REKOGNITO_FROM_SOURCE=1, goes on to
// lib/build.js (which builds, or says why it cannot).
"use strict";
const { checkBuild, OUT_DIR, OUTPUTS } = require("../lib/build-check.cjs");

/** Runs the compiled CLI, its stack traces naming the TypeScript sources (lib/stack-traces.cjs). */
function runCompiled(file) {
  const { pathToFileURL } = require("node:url");
  require("../lib/stack-traces.cjs").mapStackTraces(new URL("./", pathToFileURL(file)).href);
  require("../lib/code-cache.cjs").runWithCodeCache(file);
}

if (process.env.REKOGNITO_FROM_SOURCE !== "1" && checkBuild().fresh) {
  runCompiled(require("node:path").join(OUT_DIR, OUTPUTS.cli));
} else {
  (async () => {
    const { compiledEntry } = await import("../lib/build.js");
    const entry = await compiledEntry("cli");
    if (entry) {
      runCompiled(require("node:url").fileURLToPath(entry));
    } else {
      const { register } = await import("tsx/esm/api");
      register();
      await import("../server/cli.ts");
    }
  })().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
