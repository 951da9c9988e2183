import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPairSync, createSign } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { ListFacesCommand } from "@aws-sdk/client-rekognition";
import { InitiateAuthCommand, NotAuthorizedException, RespondToAuthChallengeCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ManualClock } from "../../server/core/clock.js";
import { mailCount, mailedCode, type Challenge } from "../../server/face-login/face-login-client.js";
import { controlOf, inProcessOnly, movesClock } from "../support/target.js";
import { afterBackgroundLambdas, claimsOf, enrol, faceRound, fixtureOfKind, idTokenVerifier, photo, readPersonas, signIn, startApp, usedAppReason, type AppUnderTest } from "./helpers.js";
import { anonymousS3 } from "../support/clients.js";

/**
 * The security points of the face-login app (docs/face-login.md), each proved by trying the attack
 * against the real Lambdas in the stack.
 */

const personas = readPersonas();
const [victim, attacker, third] = personas as [(typeof personas)[0], (typeof personas)[0], (typeof personas)[0]];
const subs = new Map<string, string>();
// Starts at the real time; moved through POST /_rekognito/clock (the Lambdas sign upload links
// with the stack's time, and S3 judges their expiry by it).
const clock = new ManualClock(Date.now());
let app: AppUnderTest;

// Against an external stack (REKOGNITO_TEST_ENDPOINT) startApp resets it first; should that fail,
// every test skips with the reason printed: see usedAppReason in helpers.ts.
let unusable: string | undefined;

beforeAll(async () => {
  app = await startApp({ clock });
  unusable = await usedAppReason(app);
  if (unusable) {
    console.log(`[skip] security.test.ts: ${unusable}`);
    return;
  }
  for (const persona of [victim, attacker, third]) {
    const { answered } = await enrol(app, persona.email, photo(persona.document));
    subs.set(persona.email, String(claimsOf(answered.tokens!.IdToken!).sub));
  }
});
beforeEach((context) => {
  if (unusable) context.skip(unusable);
});
afterAll(() => app?.close());

const refusedWith = (answered: { challenge?: Challenge; tokens?: unknown }, words: RegExp) => {
  expect(answered.tokens).toBeUndefined();
  expect(answered.challenge?.lastError).toMatch(words);
};

describe("1. a pre-existing object cannot answer the face challenge", () => {
  it("refuses the victim's own enrolment document, even though it shows the victim's face", async () => {
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub: subs.get(victim.email)! } }));
    const documentKey = String(Item!.documentKey);
    const challenge = await app.client.start(victim.email);
    refusedWith(await app.client.answer(challenge, documentKey), /not the photo this sign-in asked for/);
    // The document is still there: a refused answer deletes nothing.
    await expect(app.s3.send(new GetObjectCommand({ Bucket: app.resources.documentsBucket, Key: documentKey }))).resolves.toBeDefined();
  });

  it("refuses an object someone placed in the sign-in bucket before the challenge", async () => {
    const planted = "sign-in/planted-victim-selfie";
    await app.s3.send(new PutObjectCommand({ Bucket: app.resources.signInBucket, Key: planted, Body: photo(victim.selfies[0]!) }));
    const challenge = await app.client.start(victim.email);
    refusedWith(await app.client.answer(challenge, planted), /not the photo this sign-in asked for/);
  });

  it("refuses the key of an earlier, finished challenge", async () => {
    const earlier = await app.client.start(victim.email);
    expect((await faceRound(app, earlier, photo(victim.selfies[0]!))).tokens).toBeDefined();
    const challenge = await app.client.start(victim.email);
    refusedWith(await app.client.answer(challenge, earlier.uploadKey), /not the photo this sign-in asked for/);
  });

  it("says the photo never arrived when the client answers without uploading", async () => {
    const challenge = await app.client.start(victim.email);
    refusedWith(await app.client.answer(challenge, challenge.uploadKey), /did not receive your photo/);
  });
});

describe("2. someone else's upload, or a key in another bucket, cannot answer", () => {
  it("refuses the victim's fresh upload as the answer to the attacker's own challenge for the victim", async () => {
    // The victim is signing in: uploaded a selfie, about to answer.
    const victims = await app.client.start(victim.email);
    await app.client.upload(victims, photo(victim.selfies[1]!));
    // The attacker runs a sign-in of their own for the victim, and answers with the victim's key.
    const attackers = await app.client.start(victim.email);
    const second = await app.client.answer(attackers, victims.uploadKey);
    refusedWith(second, /not the photo this sign-in asked for/);
    // ... and with it under the other bucket's name, or as a full S3 URI.
    const third = await app.client.answer(second.challenge!, `${app.resources.documentsBucket}/${victims.uploadKey}`);
    refusedWith(third, /not the photo/);
    await expect(app.client.answer(third.challenge!, `s3://${app.resources.signInBucket}/${victims.uploadKey}`)).rejects.toBeInstanceOf(NotAuthorizedException);
    // The victim's own sign-in is untouched by all that.
    expect((await app.client.answer(victims, victims.uploadKey)).tokens).toBeDefined();
  });

  it("refuses another user's upload answered in the attacker's own account", async () => {
    const victims = await app.client.start(victim.email);
    await app.client.upload(victims, photo(victim.selfies[2]!));
    const attackers = await app.client.start(attacker.email);
    refusedWith(await app.client.answer(attackers, victims.uploadKey), /not the photo/);
  });

  it("does not let an attacker's own face pass for the victim through the victim's challenge", async () => {
    refusedWith(await signIn(app, victim.email, photo(attacker.selfies[0]!)), /did not recognise your face/);
  });
});

describe("3. nothing private is in the public challenge parameters", () => {
  it("gives only step, uploadUrl, uploadKey, attemptsLeft and lastError (plus Cognito's USERNAME)", async () => {
    const email = "private-check@example.com";
    await app.client.signUp(email);
    const before = await mailCount(app.endpoint, email);
    const enrolment = await app.client.start(email);
    const code = (await mailedCode(app.endpoint, email, { after: before }))!;
    const face = await app.client.start(victim.email);
    const { Items = [] } = await app.db.send(new ScanCommand({ TableName: app.resources.facesTable }));
    const faces = (await app.rekognition.send(new ListFacesCommand({ CollectionId: app.resources.collectionId }))).Faces ?? [];
    const secrets = [code, ...Items.map((item) => String(item.faceId ?? "")), ...faces.map((f) => f.FaceId!), ...faces.map((f) => f.ImageId!)].filter(Boolean);
    for (const challenge of [enrolment, face]) {
      expect(Object.keys(challenge.parameters).sort()).toEqual(["USERNAME", "attemptsLeft", "step", "uploadKey", "uploadUrl"]);
      const text = JSON.stringify(challenge.parameters);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    // A FACE round names no one: its key is random, not the user's sub.
    expect(face.uploadKey).not.toContain(subs.get(victim.email)!);
    // Other users' data never appears.
    for (const [email, sub] of subs) if (email !== victim.email) expect(JSON.stringify(face.parameters)).not.toContain(sub);
  });
});

describe("4. nobody can bind their face to someone else's email", () => {
  it("needs the code mailed to the address: the attacker's document under the victim's email never becomes a face", async () => {
    const target = "not-yet-a-user@example.com";
    expect(await app.client.signUp(target)).toBe("created");
    let challenge = await app.client.start(target);
    await app.client.upload(challenge, photo(attacker.document));
    // Three guesses at the code, each a new round with a new code mailed to the real owner.
    for (const guess of ["000000", "123456"]) {
      challenge = (await app.client.answer(challenge, guess)).challenge!;
      expect(challenge.lastError).toMatch(/code is not right/);
    }
    await expect(app.client.answer(challenge, "999999")).rejects.toBeInstanceOf(NotAuthorizedException);
    // Still not enrolled: the next sign-in asks for enrolment again, and the face never matches.
    expect((await app.client.start(target)).step).toBe("ENROLL");
    const sub = challenge.uploadKey.split("/")[1]!;
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }));
    expect(Item?.faceId).toBeUndefined();
  });

  inProcessOnly("waits for the runner to drain the S3 notification; without it the check would pass before index-faces ran")("indexes a document only at the key the server chose for the pending enrolment", async () => {
    const target = "second-target@example.com";
    await app.client.signUp(target);
    const challenge = await app.client.start(target);
    const sub = challenge.uploadKey.split("/")[1]!;
    const before = (await app.rekognition.send(new ListFacesCommand({ CollectionId: app.resources.collectionId }))).Faces!.length;
    // A document written straight into the bucket under the victim's sub, at a key nobody asked for.
    const forged = `documents/${sub}/00000000-0000-4000-8000-000000000000`;
    await app.s3.send(new PutObjectCommand({ Bucket: app.resources.documentsBucket, Key: forged, Body: photo(attacker.document), Metadata: { sub, email: target } }));
    // Wait for the S3 notification's asynchronous invocation of index-faces to finish.
    const lambda = app.target.stack?.app.components.find((c) => c.name === "lambda") as unknown as { drain(): Promise<void> } | undefined;
    await lambda?.drain();
    const after = (await app.rekognition.send(new ListFacesCommand({ CollectionId: app.resources.collectionId }))).Faces!.length;
    expect(after).toBe(before);
  });
});

describe("5. no unlimited guesses, no session reuse, sessions expire", () => {
  it("ends the sign-in at the third wrong answer", async () => {
    let challenge = await app.client.start(victim.email);
    for (let i = 0; i < 2; i++) challenge = (await faceRound(app, challenge, photo(attacker.selfies[i]!))).challenge!;
    expect(challenge.attemptsLeft).toBe(1);
    await expect(faceRound(app, challenge, photo(attacker.selfies[2]!))).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it("refuses a session string used twice", async () => {
    const challenge = await app.client.start(victim.email);
    const wrong = await faceRound(app, challenge, photo(attacker.selfies[0]!));
    expect(wrong.challenge).toBeDefined();
    await app.client.upload(challenge, photo(victim.selfies[0]!));
    await expect(app.client.answer(challenge, challenge.uploadKey)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  movesClock("refuses a session after AuthSessionValidity (3 minutes), and the upload link has expired too", async () => {
    const stackClock = controlOf(app.target);
    try {
      const challenge = await app.client.start(victim.email);
      // Past both the session's 3 minutes and the link's 180 seconds.
      await stackClock.advanceClock(4 * 60_000);
      await expect(app.client.upload(challenge, photo(victim.selfies[0]!))).rejects.toThrow(/403/);
      await expect(app.client.answer(challenge, challenge.uploadKey)).rejects.toThrow(/expired/i);
    } finally {
      // Back to the real time, for the tests after this one.
      await stackClock.setClock(Date.now());
    }
  });

  it("keeps three wrong code guesses per enrolment, each code new and six digits from a CSPRNG", async () => {
    const email = "guess-codes@example.com";
    await app.client.signUp(email);
    const before = await mailCount(app.endpoint, email);
    let challenge = await app.client.start(email);
    const codes = [(await mailedCode(app.endpoint, email, { after: before }))!];
    for (let i = 0; i < 2; i++) {
      challenge = (await app.client.answer(challenge, "not-a-code")).challenge!;
      codes.push((await mailedCode(app.endpoint, email, { after: before + i + 1 }))!);
    }
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBe(3);
    // An old code does not work in a later round.
    await expect(app.client.answer(challenge, codes[0]!)).rejects.toBeInstanceOf(NotAuthorizedException);
  });
});

describe("6. forged tokens are refused", () => {
  function forge(claims: Record<string, unknown>, header: Record<string, unknown>, key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey) {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const signing = `${part(header)}.${part(claims)}`;
    const signature = header.alg === "none" ? "" : createSign("RSA-SHA256").update(signing).sign(key).toString("base64url");
    return `${signing}.${signature}`;
  }

  it("accepts real tokens, and refuses ones signed with another key, with alg none, or altered", async () => {
    const verifier = idTokenVerifier(app);
    const real = (await signIn(app, victim.email, photo(victim.selfies[0]!))).tokens!.IdToken!;
    await expect(verifier.verify(real)).resolves.toMatchObject({ email: victim.email });
    const [headerPart, , signaturePart] = real.split(".");
    const header = JSON.parse(Buffer.from(headerPart!, "base64url").toString());
    const claims = claimsOf(real);
    const asAttacker = { ...claims, email: attacker.email, sub: subs.get(attacker.email) };
    await expect(verifier.verify(forge(asAttacker, header))).rejects.toThrow();
    await expect(verifier.verify(forge(claims, { ...header, alg: "none" }))).rejects.toThrow();
    const altered = `${headerPart}.${Buffer.from(JSON.stringify(asAttacker)).toString("base64url")}.${signaturePart}`;
    await expect(verifier.verify(altered)).rejects.toThrow();
  });
});

describe("7. no user enumeration (PreventUserExistenceErrors)", () => {
  it("gives an unknown email a FACE round shaped like a real one, refused in the same words, ending the same way", async () => {
    const real = await app.client.start(victim.email);
    const ghost = await app.client.start("nobody-here@example.com");
    expect(Object.keys(ghost.parameters).sort()).toEqual(Object.keys(real.parameters).sort());
    expect(ghost.step).toBe(real.step);
    // USERNAME is a sub-shaped id for both, not the typed email for the unknown one.
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(real.parameters.USERNAME).toMatch(uuid);
    expect(ghost.parameters.USERNAME).toMatch(uuid);
    expect(ghost.uploadKey).toMatch(/^sign-in\/[0-9a-f-]{36}$/);
    expect(new URL(ghost.uploadUrl).pathname.split("/")[1]).toBe(new URL(real.uploadUrl).pathname.split("/")[1]);

    // The same refusals, word for word.
    const ghostNoFace = (await faceRound(app, ghost, photo(fixtureOfKind("no-face")))).challenge!;
    const realNoFace = (await faceRound(app, real, photo(fixtureOfKind("no-face")))).challenge!;
    expect(ghostNoFace.lastError).toBe(realNoFace.lastError);
    const ghostStranger = (await faceRound(app, ghostNoFace, photo(third.selfies[0]!))).challenge!;
    const realStranger = (await faceRound(app, realNoFace, photo(attacker.selfies[0]!))).challenge!;
    expect(ghostStranger.lastError).toBe(realStranger.lastError);
    expect(ghostStranger.attemptsLeft).toBe(realStranger.attemptsLeft);
    const ghostEnd = (await faceRound(app, ghostStranger, photo(third.selfies[1]!)).catch((e: Error) => e)) as Error;
    const realEnd = (await faceRound(app, realStranger, photo(attacker.selfies[1]!)).catch((e: Error) => e)) as Error;
    expect(ghostEnd).toBeInstanceOf(NotAuthorizedException);
    expect(ghostEnd.message).toBe(realEnd.message);
  });

  it("answers InitiateAuth for an unknown user without UserNotFoundException", async () => {
    const answer = await app.cognito.send(
      new InitiateAuthCommand({ ClientId: app.resources.userPoolClientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "ghost-2@example.com" } }),
    );
    expect(answer.ChallengeName).toBe("CUSTOM_CHALLENGE");
    await expect(
      app.cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: app.resources.userPoolClientId,
          ChallengeName: "CUSTOM_CHALLENGE",
          Session: answer.Session,
          ChallengeResponses: { USERNAME: answer.ChallengeParameters!.USERNAME!, ANSWER: answer.ChallengeParameters!.uploadKey! },
        }),
      ),
    ).resolves.toMatchObject({ ChallengeName: "CUSTOM_CHALLENGE" });
  });
});

describe("8. nobody can flood a registered user's inbox with codes", () => {
  it("mails at most 5 codes an hour to one address: the sixth sign-in start mails nothing, says why, and accepts no code", async () => {
    // Anyone who knows a registered, unenrolled address can start sign-ins for it: each would mail a code.
    const email = "flooded@example.com";
    await app.client.signUp(email);
    const before = await mailCount(app.endpoint, email);
    let fifth: Challenge | undefined;
    for (let i = 0; i < 5; i++) {
      fifth = await app.client.start(email);
      expect(fifth.step).toBe("ENROLL");
      expect(fifth.lastError).toBeUndefined();
    }
    expect(await mailCount(app.endpoint, email)).toBe(before + 5);
    const newest = (await mailedCode(app.endpoint, email, { after: before + 4 }))!;

    const limited = await app.client.start(email);
    expect(await mailCount(app.endpoint, email)).toBe(before + 5);
    expect(limited.step).toBe("ENROLL");
    expect(limited.lastError).toBe("Too many codes were requested for this address. Try again in an hour.");
    expect(Object.keys(limited.parameters).sort()).toEqual(["USERNAME", "attemptsLeft", "lastError", "step", "uploadKey", "uploadUrl"]);
    expect(JSON.stringify(limited.parameters)).not.toContain(newest);

    // No code exists for that round: even the newest code mailed is refused, and the refusal mails nothing.
    const refused = await app.client.answer(limited, newest);
    expect(refused.tokens).toBeUndefined();
    expect(refused.challenge?.step).toBe("ENROLL");
    expect(refused.challenge?.lastError).toBe("Too many codes were requested for this address. Try again in an hour.");
    expect(await mailCount(app.endpoint, email)).toBe(before + 5);

    // The flood does not lock the owner out: the newest code still finishes the sign-in it was mailed for.
    await app.client.upload(fifth!, photo(personas[3]!.document));
    expect((await app.client.answer(fifth!, newest)).tokens).toBeDefined();
  });
});

describe("9. S3 is private as on AWS: nobody writes or reads the app's buckets without a signature", () => {
  /** The object's URL, path style, as an attacker who knows the key would write it by hand. */
  const urlOf = (bucket: string, key: string) => `${app.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  const expectAccessDenied = async (response: Response) => {
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain("<Code>AccessDenied</Code>");
    expect(body).toContain("<Message>Access Denied</Message>");
  };

  it("refuses an anonymous PUT over a pending ID document, so the owner's own mailed code enrols the owner's face, not the attacker's", async () => {
    const owner = personas[4]!;
    const email = "pending-owner@example.com";
    await app.client.signUp(email);
    const before = await mailCount(app.endpoint, email);
    const challenge = await app.client.start(email);
    expect(challenge.step).toBe("ENROLL");
    const sub = challenge.uploadKey.split("/")[1]!;
    await app.client.upload(challenge, photo(owner.document));
    // The key is no secret (it is in the upload link, the browser's history, a proxy's log): the
    // attacker overwrites it with their own document, unsigned. On AWS the private bucket says no.
    await expectAccessDenied(await fetch(urlOf(app.resources.documentsBucket, challenge.uploadKey), { method: "PUT", body: new Uint8Array(photo(attacker.document)), headers: { "content-type": "image/png" } }));
    // ... and a client with no credentials at all, the SDK signing nothing, is refused the same way.
    const unsigned = anonymousS3(app.endpoint, { region: app.resources.region });
    const refused = await unsigned
      .send(new PutObjectCommand({ Bucket: app.resources.documentsBucket, Key: challenge.uploadKey, Body: photo(attacker.document) }))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect(refused).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    unsigned.destroy();

    const indexed = async () => Boolean((await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub } }))).Item?.uploadFaceId);
    await afterBackgroundLambdas(app, indexed);
    const answered = await app.client.answer(challenge, (await mailedCode(app.endpoint, email, { after: before }))!);
    expect(answered.tokens).toBeDefined();
    // The face bound to the address is the owner's: the owner's selfie signs in, the attacker's does not.
    expect((await signIn(app, email, photo(owner.selfies[0]!))).tokens).toBeDefined();
    refusedWith(await signIn(app, email, photo(attacker.selfies[0]!)), /did not recognise your face/);
  });

  it("refuses anonymous reads of ID documents and anonymous writes into the sign-in bucket, while the app's presigned upload works", async () => {
    const { Item } = await app.db.send(new GetCommand({ TableName: app.resources.facesTable, Key: { sub: subs.get(victim.email)! } }));
    const documentKey = String(Item!.documentKey);
    // The signed client reads it (the account's own principal) ...
    await expect(app.s3.send(new GetObjectCommand({ Bucket: app.resources.documentsBucket, Key: documentKey }))).resolves.toBeDefined();
    // ... nobody else does, and nobody lists the bucket or plants a sign-in photo.
    await expectAccessDenied(await fetch(urlOf(app.resources.documentsBucket, documentKey)));
    await expectAccessDenied(await fetch(`${app.endpoint}/${app.resources.documentsBucket}?list-type=2`));
    const challenge = await app.client.start(victim.email);
    await expectAccessDenied(await fetch(urlOf(app.resources.signInBucket, challenge.uploadKey), { method: "PUT", body: new Uint8Array(photo(victim.selfies[0]!)) }));
    // The link the server signed for this challenge still works, end to end.
    expect((await faceRound(app, challenge, photo(victim.selfies[0]!))).tokens).toBeDefined();
  });
});
