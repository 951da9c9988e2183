import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// bin/rekognito.js runs the compiled CLI (cli.cjs) through lib/code-cache.cjs: V8's cached data
// beside the file, written by the first run, read back by the next. A missing, stale or damaged
// cache must never change what the code does: it is compiled then, and the cache written anew.

const CODE_CACHE = fileURLToPath(new URL("../../lib/code-cache.cjs", import.meta.url));

let dir: string;
let file: string;
const cachesOf = () => readdirSync(dir).filter((name) => name.endsWith(".cache"));

/** Runs `file` through runWithCodeCache in a process of its own, as bin/rekognito.js does; its stdout. */
function run(): string {
  const script = `import(${JSON.stringify(CODE_CACHE)}).then(({ runWithCodeCache }) => { const m = runWithCodeCache(${JSON.stringify(file)}); process.stdout.write(JSON.stringify(m.answer())); });`;
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rekognito-code-cache-"));
  writeFileSync(join(dir, "helper.cjs"), "exports.twice = (n) => n * 2;\n");
  file = join(dir, "entry.cjs");
  // What a CommonJS file relies on: require relative to itself, __filename, __dirname, module.exports.
  writeFileSync(file, `const { twice } = require("./helper.cjs");\nconst path = require("node:path");\nmodule.exports.answer = () => ({ value: twice(21), file: path.basename(__filename), dir: __dirname });\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("V8's code cache for the compiled CLI", () => {
  const expected = () => ({ value: 42, file: "entry.cjs", dir });

  it("runs the file as CommonJS and writes its cache when the process ends", () => {
    expect(JSON.parse(run())).toEqual(expected());
    expect(cachesOf()).toHaveLength(1);
    expect(statSync(join(dir, cachesOf()[0]!)).size).toBeGreaterThan(0);
  });

  it("reads the cache back the next time, without writing it again", () => {
    const [cache] = cachesOf();
    const before = readFileSync(join(dir, cache!));
    const mtime = statSync(join(dir, cache!)).mtimeMs;
    expect(JSON.parse(run())).toEqual(expected());
    expect(cachesOf()).toEqual([cache]);
    expect(statSync(join(dir, cache!)).mtimeMs).toBe(mtime);
    expect(readFileSync(join(dir, cache!)).equals(before)).toBe(true);
  });

  it("refuses a damaged cache: the file is compiled, runs the same, and the cache is written anew", () => {
    const [cache] = cachesOf();
    writeFileSync(join(dir, cache!), Buffer.from("not V8's cached data at all, just bytes"));
    expect(JSON.parse(run())).toEqual(expected());
    expect(readFileSync(join(dir, cache!)).toString("latin1")).not.toContain("not V8's cached data");
    expect(JSON.parse(run())).toEqual(expected());
  });

  it("a changed file gets a cache of its own (named by its size and time), never the old one's code", () => {
    writeFileSync(file, `module.exports.answer = () => ({ value: "changed", file: require("node:path").basename(__filename), dir: __dirname });\n`);
    expect(JSON.parse(run())).toEqual({ ...expected(), value: "changed" });
    expect(cachesOf()).toHaveLength(2);
  });
});
