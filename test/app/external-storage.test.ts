import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startStack } from "../../server/stack.js";
import { provisionTemplate } from "../../server/provisioning/provision.js";
import { type TestTarget } from "../support/target.js";
import { motoUnavailable, startMoto, type Moto } from "../support/moto.js";
import { clientsFor, enrol, photo, readPersonas, signIn, type AppUnderTest } from "./helpers.js";
import { s3Config } from "../support/clients.js";

/**
 * Compose mode in miniature: S3 and DynamoDB passed through to another emulator (moto here,
 * LocalStack in docker-compose), Cognito, Rekognition and the Lambdas on rekognito. The same
 * template provisions, and the same flow enrols and signs in.
 */

const motoMissing = motoUnavailable();
if (motoMissing) console.log(`SKIP face-login on external storage: ${motoMissing}`);

const [first, second] = readPersonas() as [ReturnType<typeof readPersonas>[0], ReturnType<typeof readPersonas>[0]];
let moto: Moto | undefined;
let motoEndpoint: string;
let app: AppUnderTest;

beforeAll(async () => {
  if (motoMissing) return;
  moto = await startMoto();
  motoEndpoint = moto.endpoint;
  const stack = await startStack({ storageEndpoint: motoEndpoint });
  const target: TestTarget = { endpoint: stack.endpoint, region: stack.region, stack, close: () => stack.close() };
  app = clientsFor(target, await provisionTemplate(stack));
});
afterAll(async () => {
  await app?.close();
  moto?.stop();
});

describe.skipIf(!!motoMissing)("the face-login app on external S3 and DynamoDB (moto)", () => {
  it("enrols and signs in, with the buckets, tables and photos living in the external emulator", async () => {
    for (const persona of [first, second]) {
      expect((await enrol(app, persona.email, photo(persona.document))).answered.tokens).toBeDefined();
    }
    expect((await signIn(app, first.email, photo(first.selfies[0]!))).tokens).toBeDefined();
    expect((await signIn(app, first.email, photo(second.selfies[0]!))).challenge?.lastError).toMatch(/did not recognise/);

    const direct = new S3Client(s3Config(motoEndpoint));
    const documents = await direct.send(new ListObjectsV2Command({ Bucket: app.resources.documentsBucket }));
    expect(documents.KeyCount).toBe(2);
    const signInPhotos = await direct.send(new ListObjectsV2Command({ Bucket: app.resources.signInBucket }));
    expect(signInPhotos.KeyCount ?? 0).toBe(0);
  });
});
