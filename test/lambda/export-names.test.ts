import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportNames } from "../../server/lambda/builds.js";

/**
 * The names an ES module import of an SDK CommonJS file gives (what a TypeScript handler's
 * bundle exports through its wrapper modules) are asked of Node once per file and kept: a first
 * start builds each handler anew in its new code directory, and asking Node again each time cost
 * 0.2-0.5 s of CPU per handler.
 */

let dir: string;
let cache: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rekognito-export-names-"));
  cache = join(dir, "cache");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const names = (found: Map<string, { name: string; whole: boolean }[]>, file: string) =>
  found
    .get(file)
    ?.map((n) => `${n.name}${n.whole ? "*" : ""}`)
    .sort();

describe("exportNames", () => {
  it("answers the names Node gives, keeps them, and reads them back while the file is unchanged", async () => {
    const file = join(dir, "client.js");
    writeFileSync(file, "exports.Client = class Client {};\nexports.send = () => 1;\n");
    const first = await exportNames([file], cache);
    // Node 23 and later also bind "module.exports" to the whole object.
    expect(names(first, file)?.filter((n) => n !== "module.exports*")).toEqual(["Client", "default*", "send"]);
    expect(readdirSync(cache)).toHaveLength(1);

    // Read back, not asked again: what the cache holds is the answer.
    const entry = join(cache, readdirSync(cache)[0]!);
    const kept = JSON.parse(readFileSync(entry, "utf8"));
    writeFileSync(entry, JSON.stringify({ ...kept, names: [...kept.names, { name: "fromTheCache", whole: false }] }));
    expect(names(await exportNames([file], cache), file)).toContain("fromTheCache");
  });

  it("asks again once the file changed, and for each new file only", async () => {
    const file = join(dir, "client.js");
    writeFileSync(file, "exports.one = 1;\n");
    await exportNames([file], cache);
    writeFileSync(file, "exports.one = 1;\nexports.two = 2;\n");
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const other = join(dir, "other.js");
    writeFileSync(other, "exports.three = 3;\n");
    const again = await exportNames([file, other], cache);
    expect(names(again, file)).toContain("two");
    expect(names(again, other)).toContain("three");
    expect(readdirSync(cache)).toHaveLength(3);
  });

  it("keeps a file whose import fails or is not plain as left out, and skips a file that is gone", async () => {
    const broken = join(dir, "broken.js");
    writeFileSync(broken, "throw new Error('no');\n");
    const gone = join(dir, "gone.js");
    const found = await exportNames([broken, gone], cache);
    expect(found.size).toBe(0);
    expect(readdirSync(cache)).toHaveLength(1);
    expect((await exportNames([broken], cache)).size).toBe(0);
  });
});
