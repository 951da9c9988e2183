import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { clientsFor, enrol, photo, readPersonas, signIn, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { startCliServer, type CliServer } from "../support/cli.js";
import { RekognitoControl } from "../../server/control/client.js";

/**
 * The dev server started as a user starts it, from a snapshot a team committed:
 * `npm start -- --snapshot prepared.json --clock manual`. Its state is the snapshot's (the
 * app's ids, the enrolled user and her face), a reset goes back to it, and its clock moves.
 */

const personas = readPersonas();
const ana = personas.find((p) => p.id === "ana")!;
const mei = personas.find((p) => p.id === "mei")!;
const dir = mkdtempSync(join(tmpdir(), "rekognito-cli-snapshot-"));
const file = join(dir, "prepared.rekognito.json");
let resources: AppUnderTest["resources"];
let server: CliServer;
let app: AppUnderTest;

beforeAll(async () => {
  // A prepared state: the app with Ana enrolled, exported from an in-process stack.
  const source = await startLocalApp();
  try {
    await enrol(source, ana.email, photo(ana.document));
    const rk = new RekognitoControl(source.endpoint);
    await rk.snapshot("prepared");
    writeFileSync(file, await rk.exportSnapshot("prepared"));
    resources = source.resources;
  } finally {
    await source.close();
  }
  server = await startCliServer(["--ephemeral", "--clock", "manual", "--snapshot", file]);
  app = clientsFor({ endpoint: server.endpoint, region: resources.region, stack: undefined, close: async () => {} }, resources);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("npm start -- --snapshot <file> --clock manual", () => {
  it("serves the snapshot's state: the same app, the enrolled user signs in with her face", async () => {
    const health = (await (await fetch(`${server.endpoint}/_rekognito/health`)).json()) as { resources: Record<string, string>; services: { control: Record<string, unknown> } };
    expect(health.resources).toEqual(resources);
    expect(health.services.control).toMatchObject({ clock: "manual", startedFrom: expect.stringMatching(/^prepared \(/) });
    expect((await signIn(app, ana.email, photo(ana.selfies[0]!))).tokens).toBeDefined();
  });

  it("resets to the snapshot's state, not to an empty app", async () => {
    await enrol(app, mei.email, photo(mei.document));
    const reset = await new RekognitoControl(server.endpoint).reset();
    expect(reset.cleared["cognito-idp"]).toMatchObject({ users: 2 });
    expect(reset.now["cognito-idp"]).toMatchObject({ users: 1 });
    await expect(app.cognito.send(new AdminGetUserCommand({ UserPoolId: resources.userPoolId, Username: mei.email }))).rejects.toMatchObject({ name: "UserNotFoundException" });
    expect((await signIn(app, ana.email, photo(ana.selfies[1]!))).tokens).toBeDefined();
  });

  it("moves its clock on request", async () => {
    const rk = new RekognitoControl(server.endpoint);
    const before = await rk.clock();
    expect(before).toMatchObject({ mode: "manual", controllable: true });
    expect((await rk.advanceClock("PT2H")).epochMs).toBe(before.epochMs + 7_200_000);
    await rk.setClock(Date.now());
  });
});
