import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { Page } from "playwright-core";
import { ManualClock } from "../../server/core/clock.js";
import { RekognitoControl } from "../../server/control/client.js";
import { readPersonas, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { browserMissing, openBrowser, type Browser } from "./browser.js";

/**
 * The console's stack controls in Debian's Chromium: move the clock, save a snapshot, reset the
 * stack (after a confirmation), restore the snapshot; each says what it did, and the stack did it.
 */

const missing = browserMissing();
if (missing) console.log(`[skip] test/web/console-control.test.ts: ${missing}`);

const ana = readPersonas().find((p) => p.id === "ana")!;
const clock = new ManualClock(Date.now());
let app: AppUnderTest;
let browser: Browser;
let page: Page;
let rk: RekognitoControl;

const status = () => page.locator("#stack-status").textContent();
const anaExists = () =>
  app.cognito.send(new AdminGetUserCommand({ UserPoolId: app.resources.userPoolId, Username: ana.email })).then(
    () => true,
    () => false,
  );

describe.skipIf(missing)("the console's stack controls", () => {
  beforeAll(async () => {
    app = await startLocalApp({ clock });
    rk = new RekognitoControl(app.endpoint);
    await rk.seed(["ana"]);
    browser = await openBrowser();
    page = browser.page;
    page.on("dialog", (dialog) => void dialog.accept());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it("moves the clock, saves a snapshot, resets the stack and restores the snapshot", async () => {
    await page.goto(`${app.endpoint}/_rekognito/`);
    const stack = page.getByRole("region", { name: "The stack" });
    await stack.getByText("(manual)").waitFor();

    const before = clock.now();
    await stack.getByRole("button", { name: "+ 1 hour" }).click();
    await expect.poll(status).toMatch(/^The stack's time is /);
    expect(clock.now() - before).toBe(3_600_000);

    await stack.getByLabel("Snapshot name").fill("with-ana");
    await stack.getByRole("button", { name: "Save a snapshot" }).click();
    await expect.poll(status).toMatch(/^Snapshot with-ana saved: 1 user, 1 face,/);
    await stack.getByRole("button", { name: "Restore with-ana" }).waitFor();

    await stack.getByRole("button", { name: "Reset the stack" }).click();
    await expect.poll(status, { timeout: 20_000 }).toMatch(/^Reset in \d+ ms\. Cleared 1 user, 1 face,.*; now 0 users, 0 faces,/);
    expect(await anaExists()).toBe(false);

    await stack.getByRole("button", { name: "Restore with-ana" }).click();
    await expect.poll(status, { timeout: 20_000 }).toMatch(/^Restored with-ana in \d+ ms\./);
    expect(await anaExists()).toBe(true);
    await browser.shot("console-stack");
  });
});
