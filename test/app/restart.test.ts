import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listenStack, type Stack } from "../../server/stack.js";
import { silentLogger } from "../../server/core/logger.js";
import { provisionTemplate, type FaceLoginResources } from "../../server/provisioning/provision.js";
import { seedPersonas } from "../../server/face-login/seed.js";
import { clientsFor, claimsOf, photo, readPersonas, signIn, stopStorage, storageOptions } from "./helpers.js";

/**
 * The dev server restarted on the same data directory: the template provisions again without
 * creating anything new (same pool, client, buckets, tables, collection), and every enrolled
 * persona still signs in with every selfie.
 */

const personas = readPersonas();
let dataDir: string;
let stack: Stack | undefined;

const start = async () => listenStack({ ...(await storageOptions()), dataDir, logger: silentLogger, port: 0 });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "rekognito-app-restart-"));
});
afterAll(async () => {
  await stack?.close();
  await stopStorage();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("restart on the same data directory", () => {
  it("keeps the app's resources and its users: everyone still signs in", async () => {
    stack = await start();
    const first = await provisionTemplate(stack);
    const seeded = await seedPersonas(stack.endpoint, first);
    expect(seeded.map((s) => s.outcome)).toEqual(personas.map(() => "enrolled"));
    const subs = new Map<string, string>();
    const before = clientsFor({ endpoint: stack.endpoint, region: stack.region, stack, close: async () => {} }, first);
    for (const persona of personas) {
      const answered = await signIn(before, persona.email, photo(persona.selfies[0]!));
      subs.set(persona.id, String(claimsOf(answered.tokens!.IdToken!).sub));
    }
    await stack.close();

    stack = await start();
    const second: FaceLoginResources = await provisionTemplate(stack);
    expect(second).toEqual(first);
    // Seeding again finds everyone enrolled.
    expect((await seedPersonas(stack.endpoint, second)).map((s) => s.outcome)).toEqual(personas.map(() => "already enrolled"));
    const after = clientsFor({ endpoint: stack.endpoint, region: stack.region, stack, close: async () => {} }, second);
    for (const persona of personas) {
      for (const selfie of persona.selfies) {
        const answered = await signIn(after, persona.email, photo(selfie));
        expect(answered.tokens, `${persona.id} ${selfie}: ${answered.challenge?.lastError}`).toBeDefined();
        expect(claimsOf(answered.tokens!.IdToken!).sub).toBe(subs.get(persona.id));
      }
    }
  });
});
