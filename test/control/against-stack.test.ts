import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ManualClock } from "../../server/core/clock.js";
import { connectRekognito, type RunningRekognito } from "../../testcontainers/index.js";
import { photo, readPersonas, startApp, type AppUnderTest } from "../app/helpers.js";
import { mailCount } from "../../server/face-login/face-login-client.js";
import { movesClock, runId } from "../support/target.js";

/**
 * The testcontainers module's control functions (rk.reset(), rk.snapshot(name),
 * rk.restore(name), rk.advanceClock(ms), rk.seed()) on the face-login app: an in-process stack,
 * or with REKOGNITO_TEST_ENDPOINT the running one (the against-cli-serial project: the dev
 * server started as `npm start -- --ephemeral --clock manual`).
 */

const personas = readPersonas();
const ana = personas.find((p) => p.id === "ana")!;
const snapshot = `enrolled-${runId}`;
let app: AppUnderTest;
let rk: RunningRekognito;

const userExists = (email: string) =>
  app.cognito.send(new AdminGetUserCommand({ UserPoolId: app.resources.userPoolId, Username: email })).then(
    () => true,
    (error: Error) => {
      if (error.name === "UserNotFoundException") return false;
      throw error;
    },
  );

beforeAll(async () => {
  app = await startApp({ clock: new ManualClock(Date.now()) });
  rk = await connectRekognito(app.endpoint);
});
afterAll(async () => {
  await rk?.control.deleteSnapshot(snapshot).catch(() => undefined);
  await app?.close();
});

describe("the testcontainers control functions", () => {
  it("seed() enrols a persona, snapshot() keeps her, reset() empties the app and restore() brings her back", async () => {
    expect((await rk.seed(["ana"])).seeded).toEqual([{ persona: "ana", email: ana.email, outcome: "enrolled" }]);
    const saved = await rk.snapshot(snapshot);
    expect(saved.contents["cognito-idp"]).toMatchObject({ users: 1 });

    const reset = await rk.reset();
    expect(reset.cleared["cognito-idp"]).toMatchObject({ users: 1 });
    expect(reset.now["cognito-idp"]).toMatchObject({ users: 0 });
    expect(reset.resources).toEqual(rk.resources);
    expect(await userExists(ana.email)).toBe(false);

    await rk.restore(snapshot);
    expect(await userExists(ana.email)).toBe(true);
    const signedIn = await app.client.start(ana.email);
    expect(signedIn.step).toBe("FACE");
    await app.client.upload(signedIn, photo(ana.selfies[2]!));
    expect((await app.client.answer(signedIn, signedIn.uploadKey)).tokens).toBeDefined();
  });

  it("exportSnapshot() and importSnapshot() carry a state as one file", async () => {
    const bundle = await rk.exportSnapshot(snapshot);
    const again = `${snapshot}-again`;
    try {
      const imported = await rk.importSnapshot(again, bundle);
      expect(imported).toMatchObject({ name: again, contents: { "cognito-idp": { users: 1 } } });
      expect((await rk.control.snapshots()).map((s) => s.name)).toContain(again);
    } finally {
      await rk.control.deleteSnapshot(again);
    }
  });

  it("reset('mailbox') empties the mailbox alone", async () => {
    await rk.reset();
    await app.client.signUp("mailbox-reset@example.com");
    await app.client.start("mailbox-reset@example.com");
    const mail = () => mailCount(app.endpoint, "mailbox-reset@example.com");
    expect(await mail()).toBe(1);
    expect((await rk.reset("mailbox")).reset).toBe("mailbox");
    expect(await mail()).toBe(0);
    expect(await userExists("mailbox-reset@example.com")).toBe(true);
  });

  movesClock("advanceClock() ends a sign-in's session, as three minutes would", async () => {
    await rk.reset();
    try {
      await app.client.signUp("late-again@example.com");
      const challenge = await app.client.start("late-again@example.com");
      const before = await rk.clock();
      const moved = await rk.advanceClock("PT4M");
      expect(moved.epochMs - before.epochMs).toBeGreaterThanOrEqual(240_000);
      await expect(app.client.answer(challenge, "123456")).rejects.toThrow(/expired/i);
    } finally {
      await rk.setClock(Date.now());
    }
  });
});
