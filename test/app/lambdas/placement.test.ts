import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// vitest runs test/**/*.test.ts only (vitest.config.ts): a test written anywhere else would never
// run, and one in a function's folder under lambdas/ would also ship in its deployment package
// (template.yaml's CodeUri takes the whole folder, on AWS as here).
const root = new URL("../../..", import.meta.url).pathname;

function testFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFilesUnder(path));
    else if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name)) found.push(relative(root, path));
  }
  return found;
}

describe("where tests live", () => {
  it("no test file outside test/, so every one runs and none ships in a Lambda's package", () => {
    const elsewhere = ["server", "lambdas", "scripts", "web", "lib", "testcontainers"].flatMap((dir) => testFilesUnder(join(root, dir)));
    expect(elsewhere).toEqual([]);
  });
});
