// The DynamoDB engine's own process: dynalite, started by engine.ts, which sends requests to it
// and kills and restarts it when it crashes or stops answering. dynalite overflows its stack on
// deep values and parses nested parentheses in exponential time; in a process of its own
// neither can take the server with it.
//
// Plain JavaScript on purpose: it starts on bare Node, without the TypeScript loader.
//
// argv[2]: JSON { path, ephemeral, bundle } — the LevelDB directory, whether it is a temporary
// one to delete when this process ends, and dynalite bundled into one file by the server's build
// (lib/build.js), when the server runs compiled: run with V8's code cache (lib/code-cache.cjs),
// it loads in ~35 ms instead of ~55 (no module resolution across its ~90 files, nothing parsed
// again), which a restored start waits for.
// IPC out: { type: "ready", port } once dynalite listens; { type: "failed", error } if it cannot.
//
// Requests come in frames on fd 4 (a socket pair with the server), not over loopback HTTP: each
// is handed to dynalite's own request handler as an in-memory request and response, so neither
// side writes or parses HTTP for it, and the server needs no HTTP client, agent or socket per
// request. A frame, either way: a big-endian u32 length of the rest, a u32 id, a u32 length of
// the JSON head, the head, then the body's bytes. A request's head is { h: headers } (the few
// dynalite reads); an answer's { s: status, h: headers }, names in lower case.
//
// dynalite still listens on 127.0.0.1 (a random port, used by nothing) because its close(),
// which closes LevelDB cleanly on SIGTERM, is that of its HTTP server.
// Ends: on SIGTERM (dynalite closes its LevelDB first), or when the server goes away — the IPC
// channel closes — so no engine outlives the server. A watchdog (below) checks the parent too,
// because the main thread may be stuck in a parse and never see the channel close.
import { EventEmitter } from "node:events";
import { spawn } from "node:child_process";
import { existsSync, fstatSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { Socket } from "node:net";
import { Worker } from "node:worker_threads";

const { path, ephemeral, bundle } = JSON.parse(process.argv[2] ?? "{}");
const require = createRequire(import.meta.url);

// The watchdog, which runs while dynalite holds the main thread: when the server is gone, it
// removes a temporary directory and ends this process. On Linux a shell of its own (dash: ~1 MiB
// of RSS), blocked reading this process's stdin, a socket whose other end only the server holds
// (it never writes to it): the read returns, at end of file, the moment the server's end closes,
// whether the server exited, was killed -9, or closed it because this process ended (Node
// destroys a child's stdin at its exit). It then gives this process the 2.5 s its own ending takes
// (LevelDB closed on the IPC channel's close, see end()); if it is still there, stuck, it removes
// the directory first (so that once the engine is gone, so is the directory) and kills it.
// Nothing runs while the server lives: an earlier loop read /proc every 2 s, starting a `sleep`
// each time. Elsewhere a thread (a worker is a Node environment of its own: ~8 MiB of an idle
// stack's memory here), checking the parent's pid.
// $1 this process's pid, $2 its start time (so a pid reused after this process ended is never
// taken for it), $3 the directory to remove, if any.
const WATCH = `engine=$1 started=$2 dir=$3
ours() { read -r line < /proc/$engine/stat 2>/dev/null || return 1; set -- $line; [ "\${22}" = "$started" ]; }
while read -r _; do :; done
n=0; while ours && [ $n -lt 5 ]; do sleep 0.5; n=$((n + 1)); done
if ours; then [ -z "$dir" ] || rm -rf "$dir"; kill -9 "$engine"; fi`;
const dir = ephemeral ? path : null;
const started = (() => {
  try {
    // stdin must be the server's socket (engine.ts): end of file on anything else would be at once.
    const stdin = fstatSync(0);
    return process.platform === "linux" && existsSync("/bin/sh") && (stdin.isSocket() || stdin.isFIFO()) ? readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[19] : undefined;
  } catch {
    return undefined;
  }
})();
if (started) {
  const shell = spawn("/bin/sh", ["-c", WATCH, "rekognito-dynamodb-watchdog", String(process.pid), started, dir ?? ""], { stdio: [0, "ignore", "ignore"] });
  shell.on("error", () => undefined);
  shell.unref();
} else {
  const watchdog = new Worker(
    `const { workerData } = require("node:worker_threads");
    const { rmSync } = require("node:fs");
    setInterval(() => {
      if (process.ppid === workerData.ppid) return;
      if (workerData.dir) { try { rmSync(workerData.dir, { recursive: true, force: true }); } catch {} }
      process.kill(process.pid, "SIGKILL");
    }, 200);`,
    { eval: true, workerData: { ppid: process.ppid, dir } },
  );
  watchdog.unref();
}

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

/** Frames a whole answer for `id`: one buffer, one write. */
function frame(id, head, body) {
  const headBytes = Buffer.from(JSON.stringify(head));
  const out = Buffer.allocUnsafe(12 + headBytes.length + body.length);
  out.writeUInt32BE(8 + headBytes.length + body.length, 0);
  out.writeUInt32BE(id, 4);
  out.writeUInt32BE(headBytes.length, 8);
  headBytes.copy(out, 12);
  body.copy(out, 12 + headBytes.length);
  return out;
}

/**
 * Serves one framed request with dynalite's own request handler, over an in-memory request
 * (`POST /`, its headers, the body in one chunk) and a response that collects what dynalite sets.
 * A throw in dynalite escapes as it would from its HTTP server: it ends this process, and the
 * server answers and restarts.
 */
function serve(handle, channel, id, head, body) {
  const headers = head.h || {};
  inMemory(handle, headers, body, (status, answerHeaders, bytes) => {
    const write = () => channel.write(frame(id, { s: status, h: answerHeaders }, bytes));
    const settles = status === 200 ? SETTLING[headers["x-amz-target"]] : undefined;
    if (!settles) return write();
    let table;
    try {
      table = JSON.parse(body.toString("utf8")).TableName;
    } catch {
      return write();
    }
    whenSettled(handle, headers, table, settles, write);
  });
}

/** One request through dynalite's handler, in memory: `done(status, headers, body)`. */
function inMemory(handle, headers, body, done) {
  const req = new EventEmitter();
  req.method = "POST";
  req.url = "/";
  req.headers = headers;
  const answerHeaders = {};
  const res = {
    statusCode: 200,
    setHeader(name, value) {
      answerHeaders[String(name).toLowerCase()] = String(value);
    },
    end(data) {
      done(res.statusCode, answerHeaders, data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(data) ? data : Buffer.from(String(data)));
    },
  };
  handle(req, res);
  if (body.length) req.emit("data", body);
  req.emit("end");
}

// dynalite answers CreateTable, UpdateTable and DeleteTable at once (CREATING, UPDATING,
// DELETING) and makes the change on a timer, even with its delays at 0 ms, then writes it to
// LevelDB: a PutItem that follows the answer quickly enough, as a test's next line does, found
// no table ("Requested resource not found"). The answer is held until the table is ACTIVE (its
// indexes too) or gone, as rekognito has always presented its tables: ready when created.
const SETTLING = {
  "DynamoDB_20120810.CreateTable": "active",
  "DynamoDB_20120810.UpdateTable": "active",
  "DynamoDB_20120810.DeleteTable": "gone",
};
/** Tries before an answer goes out anyway (each a millisecond apart: dynalite's timers are 0 ms). */
const SETTLE_TRIES = 1000;

function whenSettled(handle, headers, table, settles, done, tries = 0) {
  const describe = { ...headers, "x-amz-target": "DynamoDB_20120810.DescribeTable" };
  inMemory(handle, describe, Buffer.from(JSON.stringify({ TableName: table })), (status, _headers, bytes) => {
    let settled = false;
    try {
      const answer = JSON.parse(bytes.toString("utf8"));
      if (settles === "gone") settled = status === 400 && String(answer.__type ?? "").endsWith("ResourceNotFoundException");
      else settled = status === 200 && answer.Table?.TableStatus === "ACTIVE" && (answer.Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
    } catch {
      settled = true;
    }
    if (settled || tries >= SETTLE_TRIES) done();
    else setTimeout(() => whenSettled(handle, headers, table, settles, done, tries + 1), 1);
  });
}

/** Reads frames off the channel and serves each as it is whole. */
function listenForFrames(handle) {
  const channel = new Socket({ fd: 4, readable: true, writable: true });
  let parts = [];
  let bytes = 0;
  channel.on("data", (chunk) => {
    parts.push(chunk);
    bytes += chunk.length;
    while (bytes >= 4) {
      if (parts[0].length < 4) parts = [Buffer.concat(parts)];
      const length = parts[0].readUInt32BE(0);
      if (bytes < 4 + length) return;
      const all = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      const rest = all.subarray(4 + length);
      parts = rest.length ? [rest] : [];
      bytes = rest.length;
      const id = all.readUInt32BE(4);
      const headLength = all.readUInt32BE(8);
      const head = JSON.parse(all.toString("utf8", 12, 12 + headLength));
      const body = all.subarray(12 + headLength, 4 + length);
      serve(handle, channel, id, head, body);
    }
  });
  // The server went away: the IPC channel's disconnect ends this process too.
  channel.on("error", () => end(0));
}

/** dynalite: the build's bundle when there is one (and it loads), else the package. */
function loadDynalite() {
  if (bundle) {
    try {
      return require("../../../lib/code-cache.cjs").runWithCodeCache(bundle);
    } catch (error) {
      // A build removed meanwhile: the package is the same code. Said on stderr, which the
      // server shows should this engine fail.
      process.stderr.write(`rekognito's dynalite bundle did not load (${error?.message ?? error}): dynalite from node_modules instead\n`);
    }
  }
  return require("dynalite");
}

try {
  const dynalite = loadDynalite();
  server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.once("error", failed);
  listenForFrames(server.listeners("request")[0]);
  server.listen(0, "127.0.0.1", () => process.send?.({ type: "ready", port: server.address().port }));
} catch (error) {
  failed(error);
}
