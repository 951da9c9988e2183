#!/usr/bin/env node
// The `rekognito` command (`npm start`, npx rekognito): the compiled server (lib/build.js), built
// first when a source changed since, and run with V8's code cache (lib/code-cache.js); the
// TypeScript sources through tsx when it cannot be built.
import { compiledEntry } from "../lib/build.js";

const entry = await compiledEntry("cli");
if (entry) {
  const [{ mapStackTraces }, { runWithCodeCache }, { fileURLToPath }] = await Promise.all([import("../lib/stack-traces.js"), import("../lib/code-cache.js"), import("node:url")]);
  mapStackTraces(new URL("./", entry).href);
  runWithCodeCache(fileURLToPath(entry));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../server/cli.ts");
}
