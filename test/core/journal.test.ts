import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import { filePersistence } from "../../server/core/persistence.js";

// A journal is the only copy of a service's state between restarts. A write cut short (a kill
// mid-append, a full disk) leaves a last line without its newline: it must cost at most that
// one unacknowledged record, never the next acknowledged one.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rekognito-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Rec = { n: number; s?: string };

describe("a journal with a torn tail", () => {
  it("cuts the torn line at load, keeps its bytes aside, says so, and the next append survives", () => {
    const log = new MemoryLogger();
    const journal = filePersistence(dir, log).journal<Rec>("faces");
    journal.append({ n: 1 });
    journal.append({ n: 2 });
    appendFileSync(join(dir, "faces.jsonl"), '{"n":3,"s":"half-writ');

    const reopened = filePersistence(dir, log).journal<Rec>("faces");
    expect(reopened.load()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readFileSync(join(dir, "faces.jsonl"), "utf8")).toBe('{"n":1}\n{"n":2}\n');
    expect(readFileSync(join(dir, "faces.jsonl.torn-1"), "utf8")).toBe('{"n":3,"s":"half-writ');
    expect(log.lines.join("\n")).toMatch(/journal faces\.jsonl: cut a torn last line of 21 bytes .*faces\.jsonl\.torn-1/);

    reopened.append({ n: 4 });
    expect(filePersistence(dir).journal<Rec>("faces").load()).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it("starts every append on a line of its own, even when the file gained a fragment since load", () => {
    const journal = filePersistence(dir).journal<Rec>("mail");
    journal.append({ n: 1 });
    appendFileSync(join(dir, "mail.jsonl"), '{"n":2');
    journal.append({ n: 3 });
    journal.append({ n: 4 });
    expect(readFileSync(join(dir, "mail.jsonl"), "utf8")).toBe('{"n":1}\n{"n":2\n{"n":3}\n{"n":4}\n');
    // The fragment is now a line of its own: unreadable, skipped and reported, alone.
    const log = new MemoryLogger();
    expect(filePersistence(dir, log).journal<Rec>("mail").load()).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]);
    expect(log.lines).toEqual(["journal mail.jsonl: skipped 1 unreadable line"]);
  });

  it("cuts a fragment that splits a multi-byte character, and a journal that is only a fragment", () => {
    const bytes = Buffer.from('{"n":1,"s":"visage 😀"}\n', "utf8");
    appendFileSync(join(dir, "u.jsonl"), bytes);
    appendFileSync(join(dir, "u.jsonl"), bytes.subarray(0, bytes.length - 5));
    const journal = filePersistence(dir).journal<Rec>("u");
    expect(journal.load()).toEqual([{ n: 1, s: "visage 😀" }]);
    expect(readFileSync(join(dir, "u.jsonl.torn-1")).equals(bytes.subarray(0, bytes.length - 5))).toBe(true);

    appendFileSync(join(dir, "only.jsonl"), '{"n":');
    const only = filePersistence(dir).journal<Rec>("only");
    expect(only.load()).toEqual([]);
    only.append({ n: 9 });
    expect(only.load()).toEqual([{ n: 9 }]);
  });

  it("keeps each cut aside under a new name", () => {
    const path = join(dir, "s3.jsonl");
    appendFileSync(path, '{"n":1}\n{"n":');
    filePersistence(dir).journal<Rec>("s3").load();
    appendFileSync(path, '{"n":2}\n{"n":"x');
    expect(filePersistence(dir).journal<Rec>("s3").load()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readFileSync(`${path}.torn-1`, "utf8")).toBe('{"n":');
    expect(readFileSync(`${path}.torn-2`, "utf8")).toBe('{"n":"x');
  });

  it("leaves an intact journal alone", () => {
    const journal = filePersistence(dir).journal<Rec>("ok");
    journal.append({ n: 1 });
    expect(filePersistence(dir).journal<Rec>("ok").load()).toEqual([{ n: 1 }]);
    expect(existsSync(join(dir, "ok.jsonl.torn-1"))).toBe(false);
  });
});

describe("a journal on a full disk", () => {
  // /dev/full answers every write with ENOSPC: a real full disk, on Linux.
  const full = existsSync("/dev/full") ? it : it.skip;
  if (!existsSync("/dev/full")) console.log("[skip] full-disk journal test: no /dev/full on this system");

  full("throws ENOSPC from append, so the caller never acknowledges the record", () => {
    symlinkSync("/dev/full", join(dir, "disk.jsonl"));
    const journal = filePersistence(dir).journal<Rec>("disk");
    expect(() => journal.append({ n: 1 })).toThrow(expect.objectContaining({ code: "ENOSPC" }));
  });
});
