import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DetectFacesCommand } from "@aws-sdk/client-rekognition";
import type { Page } from "playwright-core";
import { modelPackagesMissing } from "../../server/faces/model.js";
import type { RekognitionService } from "../../server/rekognition/index.js";
import { mailCount, mailedCode } from "../../server/face-login/face-login-client.js";
import { enrol, readPersonas, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { missingPhotos, readPhoto } from "../faces/photos.js";
import { browserMissing, openBrowser, type Browser } from "./browser.js";
import { writeCameraFile } from "./camera.js";

/**
 * The face-login web app (web/) in Debian's Chromium against a stack, as a person uses it: the
 * controls found by their role and visible name, the fake camera playing a fixture image (the
 * browser re-encodes its frames, so the fixture engine's near-copy match is what recognises
 * them), the code read from the mailbox page. Then the console: the trace of a refused sign-in
 * and the mailbox, live. One browser and one stack for the file.
 */

const missing = browserMissing();
if (missing) console.log(`[skip] test/web/face-login.test.ts: ${missing}`);

const persona = (id: string) => readPersonas().find((p) => p.id === id)!;
const ana = persona("ana");
const bruno = persona("bruno");
let app: AppUnderTest;
let browser: Browser;
let page: Page;

/** Polls until `read` satisfies the assertion: a page updates when the stack has answered. */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

/** What the fake camera shows from now on (read when the page next opens the camera). */
const camera = (path: string) => writeCameraFile(browser.cameraFile, readFileSync(path));

async function signUpAndStartEnrolment(email: string) {
  await page.goto(`${app.endpoint}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("heading", { name: "Enrol your face" }).waitFor();
}

async function typeMailedCode(email: string, before: number) {
  const code = await mailedCode(app.endpoint, email, { after: before });
  await page.getByLabel("Code").fill(code!);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expectSignedIn(email);
}

async function expectSignedIn(email: string) {
  await page.getByRole("heading", { name: "You are signed in" }).waitFor();
  const claims = page.getByRole("table", { name: "Your ID token's claims" });
  await eventually(() => claims.getByRole("row", { name: /^email / }).textContent()).toContain(email);
  expect(await claims.getByRole("row", { name: /^token_use / }).textContent()).toContain("id");
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").waitFor();
}

async function startFaceSignIn(email: string) {
  await page.goto(`${app.endpoint}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Sign in with your face" }).waitFor();
}

async function takeAndUsePhoto() {
  await page.getByRole("button", { name: "Take photo" }).click();
  await page.getByRole("button", { name: "Use this photo" }).click();
}

describe.skipIf(!!missing)("the face-login web app in Chromium", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    app = await startLocalApp();
    const started = openBrowser();
    // One enrolment through the SDK first: the app's functions get their execution
    // environments now, so the journeys below do not wait for cold starts inside Cognito's
    // 5 seconds per trigger.
    const grace = persona("grace");
    for (let attempt = 1; ; attempt++) {
      try {
        await enrol(app, grace.email, readFileSync(grace.document));
        break;
      } catch (error) {
        // A cold start past Cognito's 5 s on a busy machine: the environment is warm now.
        if (attempt === 3 || (error as Error).name !== "UnexpectedLambdaException") throw error;
      }
    }
    browser = await started;
    page = browser.page;
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== "fail" || !page) return;
    // What the page said when the journey failed, beside its screenshot.
    await browser.shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
    console.log(`page at failure (${page.url()}):\n${await page.locator("body").innerText().catch(() => "(unreadable)")}`);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it("is what a browser gets at /, while SDK calls to / stay S3's ListBuckets", async () => {
    await page.goto(`${app.endpoint}/`);
    await page.getByRole("heading", { name: "Face login" }).waitFor();
    for (const name of ["Sign in", "Sign up"]) expect(await page.getByRole("button", { name }).isVisible()).toBe(true);
    expect(await page.getByLabel("Email").getAttribute("type")).toBe("email");
    expect(await page.getByRole("status").count()).toBeGreaterThan(0);
    await browser.shot("app-start");
    const { Buckets } = await app.s3.send(new (await import("@aws-sdk/client-s3")).ListBucketsCommand({}));
    expect(Buckets!.map((b) => b.Name)).toContain(app.resources.documentsBucket);
  });

  it("signs up and enrols with the ID document from the camera and the mailed code", async () => {
    camera(ana.document);
    const before = await mailCount(app.endpoint, ana.email);
    await signUpAndStartEnrolment(ana.email);
    expect(await page.getByLabel(/Camera preview/).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Take photo" }).click();
    await page.getByRole("button", { name: "Try again" }).click();
    await takeAndUsePhoto();
    await eventually(() => page.getByRole("status").textContent()).toContain("ID document uploaded");
    await browser.shot("enrol-camera");
    await typeMailedCode(ana.email, before);
    await browser.shot("signed-in");
    await signOut();
  });

  it("enrols with the ID document from a file", async () => {
    const before = await mailCount(app.endpoint, bruno.email);
    await signUpAndStartEnrolment(bruno.email);
    await page.getByLabel("ID document", { exact: true }).setInputFiles(bruno.document);
    await eventually(() => page.getByRole("status").textContent()).toContain("ID document uploaded");
    await typeMailedCode(bruno.email, before);
    await signOut();
  });

  it("signs in with a selfie through the camera", async () => {
    camera(ana.selfies[0]!);
    await startFaceSignIn(ana.email);
    expect(await page.getByText("You have three attempts left.").isVisible()).toBe(true);
    await browser.shot("face-camera");
    await takeAndUsePhoto();
    await expectSignedIn(ana.email);
    await signOut();
  });

  it("refuses a stranger's face three times, saying why and how many tries are left, then ends the sign-in", async () => {
    camera(ana.selfies[1]!);
    await startFaceSignIn(bruno.email);
    await takeAndUsePhoto();
    // Said on the page and announced (the status region).
    await eventually(() => page.getByRole("status").textContent()).toContain("You have two attempts left.");
    expect(await page.locator(".refusal").textContent()).toBe("We did not recognise your face. Try again, facing the camera in good light.");
    expect(await page.getByText("You have two attempts left.", { exact: true }).isVisible()).toBe(true);
    await browser.shot("face-refused");
    await takeAndUsePhoto();
    await eventually(() => page.getByRole("status").textContent()).toContain("This is your last attempt.");
    await takeAndUsePhoto();
    const alert = page.getByRole("alert");
    await eventually(() => alert.textContent()).toMatch(/^Sign-in refused: /);
    expect(await page.getByLabel("Email").isVisible()).toBe(true);
    await browser.shot("face-refused-three-times");
  });

  it("the console's trace of that sign-in lists each trigger with its event, and the scores Verify got", async () => {
    await page.goto(`${app.endpoint}/_rekognito/traces?user=${encodeURIComponent(bruno.email)}`);
    const rows = page.getByRole("table", { name: "Traces, newest first" }).getByRole("row");
    await rows.nth(1).getByRole("link").click();
    await page.getByRole("list", { name: "Timeline" }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("refused");
    const steps = page.locator("li.step[data-type=trigger] > .line .title");
    const titles = await steps.allTextContents();
    expect(titles.filter((t) => t.startsWith("Define")).length).toBe(4);
    expect(titles.filter((t) => t.startsWith("Create")).length).toBe(3);
    expect(titles.filter((t) => t.startsWith("Verify")).length).toBe(3);
    const verify = page.locator("li.step[data-type=trigger]", { hasText: "Verify Auth Challenge Response" }).first();
    await verify.locator(":scope > details > summary", { hasText: "Event" }).click();
    const event = JSON.parse((await verify.locator(":scope > details pre").first().textContent())!);
    expect(event.triggerSource).toBe("VerifyAuthChallengeResponse_Authentication");
    expect(event.request.challengeAnswer).toMatch(/^sign-in\//);
    // Verify's own search, with the score of the best face it found (Ana's, not Bruno's).
    expect(await verify.locator(".score").count()).toBeGreaterThan(0);
    expect(await page.locator("li.step[data-type=challenge]").first().textContent()).toContain("Private parameters");
    await browser.shot("console-trace");
  });

  it("the mailbox page shows each code, newest first, and a new one as it arrives", async () => {
    await page.goto(`${app.endpoint}/_rekognito/mailbox`);
    const messages = (await (await fetch(`${app.endpoint}/_rekognito/mailbox`)).json()) as { code: string | null; to: string }[];
    const first = page.getByRole("article").first();
    await eventually(() => first.locator(".code").textContent()).toBe(messages.at(-1)!.code);
    expect(await page.getByRole("article").count()).toBe(messages.length);
    await browser.shot("console-mailbox");
    // A sign-up elsewhere (the SDK) mails a code: it appears without a reload.
    const mei = persona("mei");
    await app.client.signUp(mei.email);
    await app.client.start(mei.email);
    const code = await mailedCode(app.endpoint, mei.email);
    await eventually(() => page.getByRole("article").first().locator(".code").textContent()).toBe(code);
    expect(await page.getByRole("article").first().textContent()).toContain(mei.email);
  });

  it("the resources page draws each enrolled face on the document it came from, and lists the pool's users", async () => {
    await page.goto(`${app.endpoint}/_rekognito/resources`);
    const collection = page.getByRole("region", { name: `Collection ${app.resources.collectionId}` });
    const image = collection.getByRole("img").first();
    await image.waitFor();
    await eventually(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await collection.locator(".box").count()).toBe(await collection.getByRole("img").count());
    const users = page.getByRole("region", { name: "User pool face-login-users" });
    for (const email of [ana.email, bruno.email]) expect(await users.getByRole("link", { name: email }).count()).toBe(1);
    await browser.shot("console-resources");
  });

  const realMissing = [...modelPackagesMissing().map((p) => `${p} (optional dependency)`), ...missingPhotos(["webcamA", "webcamB"])];
  it.skipIf(realMissing.length > 0)("signs in with a real photograph through the camera (the model engine)", async () => {
    // The model loads before the sign-in (DetectFaces waits for it): Cognito gives Verify 5 s,
    // which should judge the face, not a cold model on a busy machine.
    (app.target.stack!.app.components.find((c) => c.name === "rekognition") as RekognitionService).engine.warm?.();
    await app.rekognition.send(new DetectFacesCommand({ Image: { Bytes: readPhoto("webcamA") } }));
    const person = "real.person@example.com";
    const { answered } = await enrol(app, person, readPhoto("webcamA"));
    expect(answered.tokens).toBeDefined();
    writeCameraFile(browser.cameraFile, readPhoto("webcamB"));
    await startFaceSignIn(person);
    await takeAndUsePhoto();
    await expectSignedIn(person);
    await signOut();
  });
  if (realMissing.length) console.log(`[skip] the real-photo journey: not installed: ${realMissing.join("; ")}`);
});
