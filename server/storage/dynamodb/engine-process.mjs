// The DynamoDB engine's own process: dynalite on 127.0.0.1 (a random port), started by
// engine.ts, which forwards requests to it and kills and restarts it when it crashes or stops
// answering. dynalite overflows its stack on deep values and parses nested parentheses in
// exponential time; in a process of its own neither can take the server with it.
//
// Plain JavaScript on purpose: it starts on bare Node, without the TypeScript loader.
//
// argv[2]: JSON { path, ephemeral } — the LevelDB directory, and whether it is a temporary
// one to delete when this process ends.
// IPC out: { type: "ready", port } once dynalite listens; { type: "failed", error } if it cannot.
// Ends: on SIGTERM (dynalite closes its LevelDB first), or when the server goes away — the IPC
// channel closes — so no engine outlives the server. A watchdog thread checks the parent too,
// because the main thread may be stuck in a parse and never see the channel close.
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const { path, ephemeral } = JSON.parse(process.argv[2] ?? "{}");
const require = createRequire(import.meta.url);

// The watchdog: a thread of its own, so it runs while dynalite holds the main thread. When the
// parent is gone (this process was re-parented), it removes a temporary directory and ends the
// process at once.
const watchdog = new Worker(
  `const { workerData } = require("node:worker_threads");
  const { rmSync } = require("node:fs");
  setInterval(() => {
    if (process.ppid === workerData.ppid) return;
    if (workerData.dir) { try { rmSync(workerData.dir, { recursive: true, force: true }); } catch {} }
    process.kill(process.pid, "SIGKILL");
  }, 200);`,
  { eval: true, workerData: { ppid: process.ppid, dir: ephemeral ? path : null } },
);
watchdog.unref();

let server = null;
let ending = false;
function end(code) {
  if (ending) return;
  ending = true;
  const done = () => {
    if (ephemeral && path) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch {
        // best effort: the parent removes it too
      }
    }
    process.exit(code);
  };
  // dynalite's close stops listening, then closes LevelDB; never wait on it for long.
  setTimeout(done, 2000).unref();
  if (server) server.close(() => done());
  else done();
}
process.on("SIGTERM", () => end(0));
process.on("disconnect", () => end(0));

/** Says why dynalite could not start, then ends (once the message is out). */
function failed(error) {
  const exit = () => process.exit(1);
  if (process.send) process.send({ type: "failed", error: String(error?.message ?? error) }, exit);
  else exit();
}

try {
  const dynalite = require("dynalite");
  server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.once("error", failed);
  server.listen(0, "127.0.0.1", () => process.send?.({ type: "ready", port: server.address().port }));
} catch (error) {
  failed(error);
}
