import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../server/core/logger.js";
import { wantsAppPage, WebApp } from "../../server/console/web-app.js";
import { startStack } from "../../server/stack.js";
import { builtFingerprint, sourceFingerprint } from "../../web/build.js";

/**
 * How rekognito gets the web app it serves: built by npm ci (the prepare script), and otherwise
 * by the first request for it, never at boot; what counts as a browser opening the app at `/`.
 */

const dir = mkdtempSync(join(tmpdir(), "rekognito-web-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the web app's build", () => {
  it("is not made when the server starts, but by the first request for the app, once", { timeout: 60_000 }, async () => {
    const outDir = join(dir, "web");
    const logger = new MemoryLogger();
    const app = new WebApp(logger, outDir);
    expect(existsSync(outDir)).toBe(false);
    expect(app.state.state).toBe("not checked");
    const page = await app.file("index.html");
    if ("missing" in page) throw new Error(page.missing);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain('src="/_rekognito/app/app.js"');
    const script = await app.file("app.js");
    if ("missing" in script) throw new Error(script.missing);
    // React and Amplify bundled for the browser: no Node built-ins left to resolve.
    expect(script.body.toString()).not.toMatch(/from\s*"node:/);
    expect(builtFingerprint(outDir)).toBe(sourceFingerprint());
    expect(logger.lines.filter((l) => l.startsWith("web app: built in"))).toHaveLength(1);

    // Another server finds it built: nothing to do.
    const again = new WebApp(logger, outDir);
    await again.file("index.html");
    expect(logger.lines.filter((l) => l.startsWith("web app: built in"))).toHaveLength(1);
    expect(readFileSync(join(outDir, "app.js")).equals(script.body)).toBe(true);
    expect("missing" in (await again.file("../package.json"))).toBe(true);
  });
});

describe("GET / as the app's page", () => {
  const req = (headers: Record<string, string>, url = "/", method = "GET") => wantsAppPage({ method, url, headers });
  it("is a browser's navigation: HTML asked for, no AWS signature, no bucket named by the Host", () => {
    expect(req({ accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", host: "127.0.0.1:4566" })).toBe(true);
    expect(req({ accept: "text/html", host: "localhost:4566" })).toBe(true);
    expect(req({ accept: "*/*" })).toBe(false);
    expect(req({ accept: "text/html", authorization: "AWS4-HMAC-SHA256 Credential=..." })).toBe(false);
    expect(req({ accept: "text/html", "x-amz-date": "20260101T000000Z" })).toBe(false);
    expect(req({ accept: "text/html" }, "/?X-Amz-Signature=abc")).toBe(false);
    expect(req({ accept: "text/html", host: "photos.localhost:4566" })).toBe(false);
    expect(req({ accept: "text/html" }, "/", "PUT")).toBe(false);
  });
});

describe("a stack without the face-login app (--bare)", () => {
  it("tells a browser at / that there is no app, and where the console is", async () => {
    const stack = await startStack();
    try {
      const page = await fetch(`${stack.endpoint}/`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(404);
      const text = await page.text();
      expect(text).toContain("no face-login app is provisioned");
      expect(text).toContain('href="/_rekognito/"');
      const console = await fetch(`${stack.endpoint}/_rekognito/`);
      expect(console.status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});
