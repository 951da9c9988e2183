import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminGetUserCommand, GetTokensFromRefreshTokenCommand } from "@aws-sdk/client-cognito-identity-provider";
import { startStack } from "../../server/stack.js";
import { clientsFor, enrol, idTokenVerifier, photo, readPersonas, signIn, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { control } from "./helpers.js";

/**
 * Snapshots of the face-login app: a signed-in user's refresh token works again once the
 * snapshot taken after the sign-in is restored (the user pool's signing keys are in it), the
 * enrolled face signs in, and another stack started from the exported file serves the same
 * users. Seeding on demand enrols personas by name.
 */

const personas = readPersonas();
const ana = personas.find((p) => p.id === "ana")!;
const mei = personas.find((p) => p.id === "mei")!;
let app: AppUnderTest;

beforeAll(async () => {
  app = await startLocalApp();
  // Each reset goes back to the app as provisioned, nobody enrolled.
  await app.target.stack!.control.setBaseline();
});
afterAll(() => app?.close());

const refresh = (a: AppUnderTest, token: string) => a.cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: a.resources.userPoolClientId, RefreshToken: token }));

describe("a snapshot of the face-login app", () => {
  let refreshToken: string;
  let idToken: string;
  let bundle: Buffer;

  it("restores an enrolled user: the refresh token from before works again and the old ID token still verifies", async () => {
    const { answered } = await enrol(app, ana.email, photo(ana.document));
    refreshToken = answered.tokens!.RefreshToken!;
    idToken = answered.tokens!.IdToken!;
    const saved = await control(app.endpoint, "POST", "/_rekognito/snapshots/ana-enrolled");
    expect(saved.status).toBe(201);
    expect(saved.json.contents).toMatchObject({ "cognito-idp": { users: 1 }, rekognition: { faces: 1 } });

    const reset = await control(app.endpoint, "POST", "/_rekognito/reset");
    expect(reset.status).toBe(200);
    // The same app (same ids) with nobody in it.
    expect(reset.json.resources).toEqual(app.resources);
    await expect(app.cognito.send(new AdminGetUserCommand({ UserPoolId: app.resources.userPoolId, Username: ana.email }))).rejects.toMatchObject({ name: "UserNotFoundException" });
    await expect(refresh(app, refreshToken)).rejects.toMatchObject({ name: "NotAuthorizedException" });

    const restored = await control(app.endpoint, "POST", "/_rekognito/snapshots/ana-enrolled/restore");
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ restored: "ana-enrolled", now: { "cognito-idp": { users: 1 }, rekognition: { faces: 1 } } });
    const renewed = await refresh(app, refreshToken);
    const verifier = idTokenVerifier(app);
    expect((await verifier.verify(renewed.AuthenticationResult!.IdToken!)).email).toBe(ana.email);
    expect((await verifier.verify(idToken)).email).toBe(ana.email);
    // Her face is back in the collection and the faces table: her selfie signs her in.
    expect((await signIn(app, ana.email, photo(ana.selfies[0]!))).tokens).toBeDefined();
    bundle = Buffer.from(await (await fetch(`${app.endpoint}/_rekognito/snapshots/ana-enrolled/export`)).arrayBuffer());
  });

  it("starts another stack from the exported file, with the same app and users", async () => {
    const other = await startStack();
    try {
      expect((await control(other.endpoint, "PUT", "/_rekognito/snapshots/prepared", { raw: bundle, headers: { "content-type": "application/json" } })).status).toBe(201);
      const restored = await control(other.endpoint, "POST", "/_rekognito/snapshots/prepared/restore");
      expect(restored.json.resources).toEqual(app.resources);
      const health = (await (await fetch(`${other.endpoint}/_rekognito/health`)).json()) as { resources: Record<string, string> };
      expect(health.resources).toEqual(app.resources);
      const there = clientsFor({ endpoint: other.endpoint, region: other.region, stack: other, close: async () => {} }, app.resources);
      expect((await signIn(there, ana.email, photo(ana.selfies[1]!))).tokens).toBeDefined();
      // The refresh token from the first stack is a user's of this one now; its tokens name this stack as issuer.
      const renewed = await refresh(there, refreshToken);
      expect((await idTokenVerifier(there).verify(renewed.AuthenticationResult!.IdToken!)).email).toBe(ana.email);
    } finally {
      await other.close();
    }
  });
});

describe("POST /_rekognito/seed", () => {
  it("enrols the named personas through the real flow, and says which were enrolled already", async () => {
    await control(app.endpoint, "POST", "/_rekognito/reset");
    const seeded = await control(app.endpoint, "POST", "/_rekognito/seed", { body: { personas: ["mei", "ana.silva@example.com"] } });
    expect(seeded.status).toBe(200);
    expect(seeded.json.seeded).toEqual([
      { persona: "ana", email: ana.email, outcome: "enrolled" },
      { persona: "mei", email: mei.email, outcome: "enrolled" },
    ]);
    expect((await signIn(app, mei.email, photo(mei.selfies[0]!))).tokens).toBeDefined();
    const again = await control(app.endpoint, "POST", "/_rekognito/seed", { body: { personas: ["mei"] } });
    expect(again.json.seeded).toEqual([{ persona: "mei", email: mei.email, outcome: "already enrolled" }]);
  });

  it("refuses a persona it does not know, and a stack without the app", async () => {
    const unknown = await control(app.endpoint, "POST", "/_rekognito/seed", { body: { personas: ["zed"] } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toMatch(/^No fixture persona zed: the personas are ana, /);
    expect((await control(app.endpoint, "POST", "/_rekognito/seed", { body: { personas: "ana" } })).status).toBe(400);
    const bare = await startStack();
    try {
      expect(await control(bare.endpoint, "POST", "/_rekognito/seed")).toMatchObject({ status: 409, json: { __type: "ResourceConflictException" } });
    } finally {
      await bare.close();
    }
  });
});
