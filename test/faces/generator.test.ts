import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_FIXTURES_DIR, generateFixtures } from "../../scripts/make-fixtures.js";

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

describe("make-fixtures", () => {
  const out = mkdtempSync(join(tmpdir(), "rekognito-fixtures-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes, through the npm script's command, exactly the committed fixtures", () => {
    // Prepare / Act: the CLI into a temp dir.
    execFileSync(process.execPath, ["--import", "tsx", join(DEFAULT_FIXTURES_DIR, "../../scripts/make-fixtures.ts"), "--out", out], { stdio: "pipe" });
    // Assess: same file list, same bytes (the user manifest, if any, is not generated).
    const committed = listFiles(DEFAULT_FIXTURES_DIR).filter((f) => !f.startsWith("user/") && f !== "README.md");
    expect(listFiles(out)).toEqual(committed);
    for (const file of committed) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(DEFAULT_FIXTURES_DIR, file))), file).toBe(true);
    }
  });

  it("gives the same bytes when run again, in another process", () => {
    const again = generateFixtures();
    expect([...again.files.keys()].sort()).toEqual(listFiles(out));
    for (const [file, bytes] of again.files) expect(bytes.equals(readFileSync(join(out, file))), file).toBe(true);
    expect(again.manifest).toEqual(JSON.parse(readFileSync(join(DEFAULT_FIXTURES_DIR, "manifest.json"), "utf8")));
  });

  it("keeps the committed fixtures under 2 MB", () => {
    const total = listFiles(DEFAULT_FIXTURES_DIR).reduce((sum, f) => sum + statSync(join(DEFAULT_FIXTURES_DIR, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });
});
