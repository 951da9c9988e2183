import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeCollectionCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { startStack, type Stack } from "../../server/stack.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { provisionTemplate, type FaceLoginResources } from "../../server/provisioning/provision.js";
import { readPersonas, seedPersonas } from "../../server/face-login/seed.js";
import { FaceLoginClient } from "../../server/face-login/face-login-client.js";
import type { LambdaService } from "../../server/lambda/index.js";
import { sdkConfig } from "../support/clients.js";

// `npm start -- --seed` into an in-process stack: the app provisioned with each function's
// execution environment started as soon as the function exists (the functions seeding invokes
// then start together, one each), and every fixture persona enrolled through the app's real
// Lambdas, each upload's index-faces done before the code is answered.

describe("seeding a just-provisioned app", () => {
  let stack: Stack;
  let resources: FaceLoginResources;
  const personas = readPersonas();
  const config = () => sdkConfig(stack.endpoint, { region: stack.region });
  const lambda = () => stack.app.components.find((c) => c.name === "lambda") as LambdaService;

  beforeAll(async () => {
    stack = await startStack({ logger: new MemoryLogger() });
    resources = await provisionTemplate(stack, { prepareFunctions: true });
  });
  afterAll(() => stack?.close());

  it("enrols every persona, one environment per function, and each then signs in with a selfie", async () => {
    const seeded = await seedPersonas(stack, resources);
    expect(seeded.map((s) => [s.persona.email, s.outcome])).toEqual(personas.map((p) => [p.email, "enrolled"]));
    const pools = lambda().backend.runner.stats();
    for (const name of ["create-collection", "pre-sign-up", "define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "index-faces"]) {
      expect(Object.entries(pools).find(([id]) => id.includes(`face-login-${name}`))?.[1].environments, name).toBe(1);
    }

    const cognito = new CognitoIdentityProviderClient(config());
    const users = (await cognito.send(new ListUsersCommand({ UserPoolId: resources.userPoolId }))).Users ?? [];
    expect(users.map((u) => u.Attributes?.find((a) => a.Name === "email")?.Value).sort()).toEqual(personas.map((p) => p.email).sort());
    const rekognition = new RekognitionClient(config());
    expect((await rekognition.send(new DescribeCollectionCommand({ CollectionId: resources.collectionId }))).FaceCount).toBe(personas.length);

    const client = new FaceLoginClient({ endpoint: stack.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId, cognito });
    const persona = personas.find((p) => p.selfies.length > 0)!;
    const challenge = await client.start(persona.email);
    expect(challenge.step).toBe("FACE");
    await client.upload(challenge, readFileSync(persona.selfies[0]!));
    expect((await client.answer(challenge, challenge.uploadKey!)).tokens?.IdToken).toBeDefined();
  });
});
