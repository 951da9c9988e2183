import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

/**
 * Debian's chromium, driven by playwright-core (never a browser playwright downloads), with a
 * fake camera that plays a Y4M file (test/web/camera.ts writes it). Chromium re-reads the file
 * each time a page opens the camera, so a test changes what the camera sees by rewriting it
 * before the page asks. `.ci/run` installs chromium (apt-get install chromium); where it is
 * missing the browser suites skip, saying so.
 */

export const CHROMIUM = process.env.REKOGNITO_CHROMIUM ?? "/usr/bin/chromium";

/** Screenshots of each page the suites visit: test artefacts, git-ignored. */
export const ARTIFACTS = new URL("../../test-results/web/", import.meta.url).pathname;

/** Why the browser suites cannot run here, or undefined. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set REKOGNITO_CHROMIUM)`;
  try {
    createRequire(import.meta.url).resolve("playwright-core");
  } catch {
    return "playwright-core is not installed (npm ci)";
  }
  return undefined;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** The Y4M file the fake camera plays. */
  cameraFile: string;
  /** Saves a screenshot of the page under test-results/web/. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** One Chromium for a test file: a fresh profile, the fake camera and its permission granted. */
export async function openBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "rekognito-browser-"));
  const cameraFile = join(dir, "camera.y4m");
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${cameraFile}`,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    cameraFile,
    shot: async (name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
