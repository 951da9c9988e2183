import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListCollectionsCommand } from "@aws-sdk/client-rekognition";
import { ListUserPoolsCommand } from "@aws-sdk/client-cognito-identity-provider";
import {
  dockerAvailability,
  startRekognitoCompose,
  startRekognitoContainer,
  type RunningRekognito,
} from "../../testcontainers/index.js";

// Needs a Docker engine. Without one, testcontainers says so in milliseconds and these skip.
const docker = await dockerAvailability();
if (!docker.available) console.log(`[skip] testcontainers suites: ${docker.reason}`);

describe.skipIf(!docker.available)("rekognito in a container", () => {
  let rk: RunningRekognito;
  beforeAll(async () => {
    rk = await startRekognitoContainer();
  }, 300_000);
  afterAll(() => rk?.stop());

  it("serves Rekognition and Cognito with the face-login resources provisioned", async () => {
    expect(rk.resources.userPoolId).toMatch(/^[\w-]+_[0-9a-zA-Z]+$/);
    const collections = await rk.clients.rekognition.send(new ListCollectionsCommand({}));
    expect(collections.CollectionIds).toContain(rk.resources.collectionId);
    const pools = await rk.clients.cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    expect(pools.UserPools?.map((p) => p.Id)).toContain(rk.resources.userPoolId);
  });

  it("resets to the app it provisioned, and refuses to move a system clock", async () => {
    const reset = await rk.reset();
    expect(reset.resources).toEqual(rk.resources);
    const collections = await rk.clients.rekognition.send(new ListCollectionsCommand({}));
    expect(collections.CollectionIds).toContain(rk.resources.collectionId);
    await expect(rk.advanceClock("PT5M")).rejects.toMatchObject({ name: "UnsupportedOperationException", status: 400 });
  });
});

describe.skipIf(!docker.available)("rekognito beside LocalStack (Compose)", () => {
  let rk: RunningRekognito;
  beforeAll(async () => {
    rk = await startRekognitoCompose();
  }, 600_000);
  afterAll(() => rk?.stop());

  it("keeps its buckets on LocalStack's S3", async () => {
    const listed = await fetch(`${rk.localstackEndpoint}/${rk.resources.documentsBucket}`);
    expect(listed.status).toBe(200);
  });
});
