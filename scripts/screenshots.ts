/**
 * Redraws the README's two screenshots, docs/app.png and docs/console.png, in Debian's chromium
 * against a fresh stack: the face-login app at its camera step, the fake camera playing Ana's
 * drawn selfie, and the console's timeline of her sign-in. Drawn fixtures only, never a
 * photograph of a person.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startStack } from "../server/stack.js";
import { provisionTemplate } from "../server/provisioning/provision.js";
import { enrol, readPersonas } from "../server/face-login/seed.js";
import { FaceLoginClient } from "../server/face-login/face-login-client.js";
import { browserMissing, openBrowser } from "../test/web/browser.js";
import { writeCameraFile } from "../test/web/camera.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const DOCS = fileURLToPath(new URL("../docs/", import.meta.url));

async function main(): Promise<void> {
  const missing = browserMissing();
  if (missing) throw new Error(missing);
  // On 4566 as the README's URLs say, unless a dev server holds it.
  const stack = await startStack({ port: 4566 }).catch(() => startStack({ port: 0 }));
  const resources = await provisionTemplate(stack);
  const client = new FaceLoginClient({ endpoint: stack.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId });
  const ana = readPersonas().find((p) => p.id === "ana")!;
  await enrol(client, ana.email, readFileSync(ana.document));
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.setViewportSize({ width: 960, height: 820 });
    writeCameraFile(browser.cameraFile, readFileSync(ana.selfies[0]!));
    await page.goto(`${stack.endpoint}/`);
    await page.getByLabel("Email").fill(ana.email);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sign in with your face" }).waitFor();
    await page.getByRole("button", { name: "Take photo" }).waitFor();
    await page.waitForFunction(() => (document.querySelector("video") as HTMLVideoElement | null)?.videoWidth);
    await page.screenshot({ path: `${DOCS}app.png` });
    await page.getByRole("button", { name: "Take photo" }).click();
    await page.getByRole("button", { name: "Use this photo" }).click();
    await page.getByRole("heading", { name: "You are signed in" }).waitFor();

    await page.setViewportSize({ width: 1100, height: 1240 });
    await page.goto(`${stack.endpoint}/_rekognito/traces?user=${encodeURIComponent(ana.email)}`);
    await page.getByRole("table", { name: "Traces, newest first" }).getByRole("row").nth(1).getByRole("link").click();
    await page.getByRole("list", { name: "Timeline" }).waitFor();
    await page.locator(".score").first().waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${DOCS}console.png` });
    process.stdout.write(`wrote ${DOCS}app.png and ${DOCS}console.png\n`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
