#!/usr/bin/env node
// The `rekognito` command (`npm start`, npx rekognito): the compiled server (lib/build.js), built
// first when a source changed since; the TypeScript sources through tsx when it cannot be built.
import { compiledEntry, OUT_DIR } from "../lib/build.js";

const entry = await compiledEntry("cli");
if (entry) {
  const { mapStackTraces } = await import("../lib/stack-traces.js");
  mapStackTraces(new URL("./", entry).href);
  // Node 22 and later keep V8's compiled code between starts (a no-op on Node 20).
  const { enableCompileCache } = await import("node:module");
  enableCompileCache?.(`${OUT_DIR}.v8-cache`);
  await import(entry);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../server/cli.ts");
}
