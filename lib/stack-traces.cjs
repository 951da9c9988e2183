// Stack traces of the compiled server name the TypeScript files and lines, as they did when the
// sources ran: frames in the build's files are mapped through its source maps when a stack is
// first read (a logged fault, a crash), each map parsed then. Node's own --enable-source-maps
// would parse every map, and scan every function Fastify compiles, while the server loads:
// ~50-90 ms of each start.
"use strict";
const { readFileSync } = require("node:fs");
const { SourceMap } = require("node:module");
const { dirname, resolve } = require("node:path");
const { fileURLToPath } = require("node:url");

/** Maps frames of files under `buildUrl` (a file: URL ending in /) in every stack read from now on. */
function mapStackTraces(buildUrl) {
  const maps = new Map();
  const mapOf = (url) => {
    if (!maps.has(url)) {
      let found = null;
      try {
        const path = fileURLToPath(url);
        found = { map: new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))), dir: dirname(path) };
      } catch {
        // no map (or not ours): the frame stays as it is
      }
      maps.set(url, found);
    }
    return maps.get(url);
  };
  const escaped = buildUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const frame = new RegExp(`(${escaped}[^\\s():]+):(\\d+):(\\d+)`, "g");
  const mapFrame = (text) =>
    text.replace(frame, (whole, url, line, column) => {
      const found = mapOf(url);
      const entry = found?.map.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry?.originalSource) return whole;
      const source = entry.originalSource.startsWith("file:") ? fileURLToPath(entry.originalSource) : resolve(found.dir, entry.originalSource);
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
  Error.prepareStackTrace = (error, callSites) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = String(error);
    }
    return [header, ...callSites.map((site) => `    at ${mapFrame(String(site))}`)].join("\n");
  };
}

exports.mapStackTraces = mapStackTraces;
