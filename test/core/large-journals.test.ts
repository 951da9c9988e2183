import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filePersistence } from "../../server/core/persistence.js";

// A journal is read line by line from its bytes and compacted in pieces, never as one string:
// a million faces make ~1 GB of Rekognition's journal, past the longest string V8 makes
// (512 MB), and a stack that could not read its journal back would lose them at the restart
// (npm run bench restarts one with a million faces). Here a journal of many pieces' worth.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rekognito-large-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Rec = { n: number; blob: string };

describe("a journal of many megabytes", () => {
  it("is compacted and read back record for record, lines across the pieces' edges included", () => {
    // 40 records of ~0.5 MB with multi-byte characters: ~20 MB, five pieces, lines across their edges.
    const records: Rec[] = Array.from({ length: 40 }, (_, n) => ({ n, blob: `${"é".repeat(250_000)}${n}` }));
    const journal = filePersistence(dir).journal<Rec>("faces");
    journal.append({ n: -1, blob: "before" });
    journal.rewrite(records);
    expect(statSync(join(dir, "faces.jsonl")).size).toBeGreaterThan(19 * 1024 * 1024);
    journal.append({ n: 40, blob: "after" });

    const loaded = filePersistence(dir).journal<Rec>("faces").load();
    expect(loaded.length).toBe(41);
    expect(loaded.map((r) => r.n)).toEqual([...records.map((r) => r.n), 40]);
    expect(loaded.slice(0, 40)).toEqual(records);
  });
});
