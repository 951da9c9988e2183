import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { actionsTable, END, START } from "../scripts/actions-table.js";

// The README is what a newcomer trusts: its table of implemented actions is read from the
// code, and its two commands are the ones package.json and CI run.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("lists exactly the actions the services implement", async () => {
    const table = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(table, "run: npx tsx scripts/actions-table.ts --write").toBe(await actionsTable());
  });

  it("gives the two commands that package.json and CI run", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm test");
    // npm start runs the CLI (compiled by npm ci's prepare, test/startup/compiled-server.test.ts covers the build itself).
    expect(pkg.scripts.start).toBe("node bin/rekognito.js");
    expect(readFileSync(new URL("../bin/rekognito.js", import.meta.url), "utf8")).toContain("checkBuild().fresh");
    expect(readFileSync(new URL("../bin/rekognito.js", import.meta.url), "utf8")).toContain('compiledEntry("cli")');
    expect(pkg.scripts.prepare).toContain("lib/build.js");
    expect(readFileSync(new URL("../.ci/run", import.meta.url), "utf8")).toMatch(/^npm test$/m);
  });
});
