import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ListFacesCommand } from "@aws-sdk/client-rekognition";
import { NotAuthorizedException } from "@aws-sdk/client-cognito-identity-provider";
import { mailCount, mailedCode } from "../../server/face-login/face-login-client.js";
import { afterBackgroundLambdas, claimsOf, enrol, faceRound, fixtureOfKind, idTokenVerifier, photo, readPersonas, signIn, startApp, storageMode, usedAppReason, type AppUnderTest } from "./helpers.js";

/**
 * The face-login app end to end: template.yaml provisioned into an in-process stack (or the app
 * already provisioned on the stack REKOGNITO_TEST_ENDPOINT names, when it is fresh), its real
 * Lambdas in the runner, driven with the unmodified SDK clients as the README's client contract
 * says.
 */

const personas = readPersonas();
const ana = personas.find((p) => p.id === "ana")!;
const bruno = personas.find((p) => p.id === "bruno")!;
const subs = new Map<string, string>();
let app: AppUnderTest;

// Against an external stack (REKOGNITO_TEST_ENDPOINT) startApp resets it first; should that fail,
// every test skips with the reason printed: see usedAppReason in helpers.ts.
let unusable: string | undefined;

beforeAll(async () => {
  app = await startApp();
  unusable = await usedAppReason(app);
  if (unusable) console.log(`[skip] face-login.test.ts: ${unusable}`);
});
beforeEach((context) => {
  if (unusable) context.skip(unusable);
});
afterAll(() => app?.close());

async function listFaces() {
  return (await app.rekognition.send(new ListFacesCommand({ CollectionId: app.resources.collectionId, MaxResults: 4096 }))).Faces ?? [];
}

describe("provisioning", () => {
  it("lists the app's resources in health", async () => {
    const health = (await (await fetch(`${app.endpoint}/_rekognito/health`)).json()) as { resources: Record<string, string>; services: Record<string, unknown> };
    expect(health.resources).toMatchObject({
      region: "us-east-1",
      userPoolId: expect.stringMatching(/^us-east-1_[A-Za-z0-9]+$/),
      userPoolClientId: expect.stringMatching(/^[a-z0-9]{26}$/),
      documentsBucket: "face-login-documents-000000000000",
      signInBucket: "face-login-sign-in-000000000000",
      facesTable: "face-login-faces",
      collectionId: "face-login-faces",
    });
    expect(health.services.ses).toBeDefined();
  });

  it("is idempotent: provisioning again finds the same resources", async () => {
    if (!app.target.stack) return;
    const { provisionTemplate } = await import("../../server/provisioning/provision.js");
    expect(await provisionTemplate(app.target.stack)).toEqual(app.resources);
  });
});

describe("enrolment (ENROLL: mailed code + document)", () => {
  it("enrols every persona and issues verifiable tokens with the email verified", async () => {
    const verifier = idTokenVerifier(app);
    for (const persona of personas) {
      const { challenge, answered } = await enrol(app, persona.email, photo(persona.document));
      expect(challenge.parameters.uploadKey).toMatch(/^documents\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
      expect(answered.tokens, `${persona.id}: ${answered.challenge?.lastError}`).toBeDefined();
      const claims = await verifier.verify(answered.tokens!.IdToken!);
      expect(claims.email).toBe(persona.email);
      expect(challenge.uploadKey).toContain(String(claims.sub));
      subs.set(persona.id, String(claims.sub));
    }
  });

  it("records each face in the table (face id, sub, email, document key, time), findable by email", async () => {
    const faces = await listFaces();
    expect(faces).toHaveLength(personas.length);
    for (const persona of personas) {
      const sub = subs.get(persona.id)!;
      const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
      expect(Item).toMatchObject({ sub, email: persona.email, faceId: expect.any(String), documentKey: expect.stringMatching(`^documents/${sub}/`), enrolledAt: expect.any(String) });
      expect(Item!.pendingKey).toBeUndefined();
      expect(faces.find((face) => face.FaceId === Item!.faceId)?.ExternalImageId).toBe(sub);
      const byEmail = await app.db.send(
        new QueryCommand({ TableName: app.resources.facesTable, IndexName: "by-email", KeyConditionExpression: "email = :e", ExpressionAttributeValues: { ":e": persona.email } }),
      );
      expect(byEmail.Items?.map((item) => item.sub)).toEqual([sub]);
    }
  });

  it("answers an enrolled user with a FACE round from then on", async () => {
    const challenge = await app.client.start(ana.email);
    expect(challenge.step).toBe("FACE");
    expect(challenge.uploadKey).toMatch(/^sign-in\/[0-9a-f-]{36}$/);
  });

  it("refuses a document with no face, or with two, saying why, records the outcome and indexes nothing", async () => {
    const email = "no-face-doc@example.com";
    const before = (await listFaces()).length;
    const { answered } = await enrol(app, email, photo(fixtureOfKind("no-face")));
    expect(answered.challenge?.lastError).toMatch(/could not find a face in your ID document/);
    expect(answered.challenge?.step).toBe("ENROLL");
    const sub = answered.challenge!.uploadKey.split("/")[1]!;
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(Item).toMatchObject({ uploadOutcome: "NO_FACE", email });
    expect(Item!.faceId).toBeUndefined();

    // Round two: a photo with two faces.
    const mails = await mailCount(app.endpoint, email);
    const second = answered.challenge!;
    await app.client.upload(second, photo(fixtureOfKind("two-faces")));
    const code = await mailedCode(app.endpoint, email, { after: mails - 1 });
    const third = await app.client.answer(second, code!);
    expect(third.challenge?.lastError).toMatch(/more than one face/);
    const { Item: after } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(after).toMatchObject({ uploadOutcome: "SEVERAL_FACES" });
    expect((await listFaces()).length).toBe(before);
  });

  it("enrolling again replaces the earlier face: the old one is deleted from the collection", async () => {
    const email = "changed-mind@example.com";
    await app.client.signUp(email);
    // Round one: a document, indexed (pending), then a wrong code.
    const first = await app.client.start(email);
    const sub = first.uploadKey.split("/")[1]!;
    const pendingFaces = async () => (await listFaces()).filter((face) => face.ExternalImageId === sub);
    await app.client.upload(first, photo(bruno.selfies[0]!));
    // index-faces runs on the upload's event in the background; an upload that a newer challenge
    // has superseded is ignored, so let it finish before answering.
    await afterBackgroundLambdas(app, async () => (await pendingFaces()).length > 0);
    const second = (await app.client.answer(first, "000000")).challenge!;
    expect(second.lastError).toMatch(/code is not right/);
    const pending = await pendingFaces();
    expect(pending).toHaveLength(1);
    // Round two: another document (a face no persona has), the right code.
    const mails = await mailCount(app.endpoint, email);
    await app.client.upload(second, photo(fixtureOfKind("lookalike")));
    const done = await app.client.answer(second, (await mailedCode(app.endpoint, email, { after: mails - 1 }))!);
    expect(done.tokens).toBeDefined();
    const now = (await listFaces()).filter((face) => face.ExternalImageId === sub);
    expect(now).toHaveLength(1);
    expect(now[0]!.FaceId).not.toBe(pending[0]!.FaceId);
  });
});

describe("re-enrolment asked for by an operator (reenrol = true on the user's item)", () => {
  it("gives the user an ENROLL round, and the new face replaces the old one once the code confirms it", async () => {
    const sub = subs.get("ana")!;
    const { Item: before } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    await app.db.send(new UpdateCommand({ TableName: app.resources.facesTable, Key: { sub }, UpdateExpression: "SET reenrol = :t", ExpressionAttributeValues: { ":t": true } }));
    const mails = await mailCount(app.endpoint, ana.email);
    const challenge = await app.client.start(ana.email);
    expect(challenge.step).toBe("ENROLL");
    await app.client.upload(challenge, photo(ana.selfies[2]!));
    const done = await app.client.answer(challenge, (await mailedCode(app.endpoint, ana.email, { after: mails }))!);
    expect(done.tokens).toBeDefined();
    const { Item: after } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(after!.reenrol).toBeUndefined();
    expect(after!.faceId).not.toBe(before!.faceId);
    expect((await listFaces()).filter((face) => face.ExternalImageId === sub).map((face) => face.FaceId)).toEqual([after!.faceId]);
    expect((await app.client.start(ana.email)).step).toBe("FACE");
  });
});

describe("sign-in (FACE: selfie)", () => {
  it("signs in every persona with every selfie, with tokens aws-jwt-verify accepts", async () => {
    const verifier = idTokenVerifier(app);
    for (const persona of personas) {
      for (const selfie of persona.selfies) {
        const answered = await signIn(app, persona.email, photo(selfie));
        expect(answered.tokens, `${persona.id} ${selfie}: ${answered.challenge?.lastError}`).toBeDefined();
        const claims = await verifier.verify(answered.tokens!.IdToken!);
        expect(claims.sub).toBe(subs.get(persona.id));
        // Enrolment proved the address with the mailed code.
        expect(claims.email_verified).toBe(true);
      }
    }
  });

  it("refuses the look-alike, a stranger, a face-less photo and two faces, each with its reason, then locks out", async () => {
    const first = await app.client.start(ana.email);
    expect(first.attemptsLeft).toBe(3);
    const second = (await faceRound(app, first, photo(fixtureOfKind("lookalike")))).challenge!;
    expect(second.lastError).toBe("We did not recognise your face. Try again, facing the camera in good light.");
    expect(second.attemptsLeft).toBe(2);
    const third = (await faceRound(app, second, photo(bruno.selfies[0]!))).challenge!;
    expect(third.lastError).toMatch(/did not recognise your face/);
    expect(third.attemptsLeft).toBe(1);
    await expect(faceRound(app, third, photo(fixtureOfKind("no-face")))).rejects.toBeInstanceOf(NotAuthorizedException);

    const again = await app.client.start(ana.email);
    const noFace = (await faceRound(app, again, photo(fixtureOfKind("no-face")))).challenge!;
    expect(noFace.lastError).toMatch(/could not find a face in your photo/);
    const twoFaces = (await faceRound(app, noFace, photo(fixtureOfKind("two-faces")))).challenge!;
    expect(twoFaces.lastError).toMatch(/more than one face/);
    const notImage = (await faceRound(app, twoFaces, photo(fixtureOfKind("not-an-image"))).catch((e: Error) => e)) as Error;
    expect(notImage).toBeInstanceOf(NotAuthorizedException);
  });

  it("words a broken image and a file that is not an image for the user", async () => {
    const first = await app.client.start(bruno.email);
    const second = (await faceRound(app, first, photo(fixtureOfKind("corrupt")))).challenge!;
    expect(second.lastError).toBe("The photo must be a JPEG or PNG image under 15 MB.");
    const third = (await faceRound(app, second, photo(fixtureOfKind("not-an-image")))).challenge!;
    expect(third.lastError).toBe("The photo must be a JPEG or PNG image under 15 MB.");
  });

  it("passes after a wrong try: two wrong answers and then the right face", async () => {
    const first = await app.client.start(bruno.email);
    const second = (await faceRound(app, first, photo(fixtureOfKind("lookalike")))).challenge!;
    const done = await faceRound(app, second, photo(bruno.selfies[2]!));
    expect(done.tokens).toBeDefined();
  });

  it("keeps no sign-in photo once judged", async () => {
    const listed = await app.s3.send(new ListObjectsV2Command({ Bucket: app.resources.signInBucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  // On moto's server (one Python process serving every trigger's DynamoDB calls) 50 at once can
  // outlast Cognito's 5 s trigger limit on a loaded 2-core machine, which is that limit working,
  // not cross-talk: there 20 run at once.
  const concurrent = storageMode === "moto" ? 20 : 50;
  it(`runs ${concurrent} concurrent sign-ins of different people with no cross-talk`, async () => {
    const attempts = Array.from({ length: concurrent }, (_, i) => {
      const persona = personas[i % personas.length]!;
      const selfie = persona.selfies[Math.floor(i / personas.length) % persona.selfies.length]!;
      // Every seventh attempt presents someone else's face: it must fail, and only it.
      const impostor = i % 7 === 6 ? personas[(i + 1) % personas.length]! : undefined;
      return { persona, image: photo(impostor ? impostor.selfies[0]! : selfie), impostor };
    });
    const started = performance.now();
    const results = await Promise.all(attempts.map((a) => signIn(app, a.persona.email, a.image)));
    const ms = performance.now() - started;
    results.forEach((answered, i) => {
      const { persona, impostor } = attempts[i]!;
      if (impostor) {
        expect(answered.challenge?.lastError, `attempt ${i}`).toMatch(/did not recognise/);
      } else {
        expect(answered.tokens, `attempt ${i} (${persona.id}): ${answered.challenge?.lastError}`).toBeDefined();
        expect(claimsOf(answered.tokens!.IdToken!).sub).toBe(subs.get(persona.id));
      }
    });
    console.log(`${concurrent} concurrent sign-ins in ${ms.toFixed(0)} ms`);
  });
});
