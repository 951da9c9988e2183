import { readFileSync } from "node:fs";
import { NotAuthorizedException } from "@aws-sdk/client-cognito-identity-provider";
import { CompareFacesCommand, CreateCollectionCommand, DetectFacesCommand, IndexFacesCommand } from "@aws-sdk/client-rekognition";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../server/faces/pixels.js";
import { modelPackagesMissing } from "../../server/faces/model.js";
import type { RekognitionService } from "../../server/rekognition/index.js";
import { enrol, faceRound, idTokenVerifier, readPersonas, signIn, startLocalApp, type AppUnderTest } from "../app/helpers.js";
import { brightness, cameraCapture, decodePhoto, encodeJpeg, missingPhotos, readPhoto } from "../faces/photos.js";

/**
 * The face-login app end to end with real faces, through the unmodified SDK clients: enrol with
 * a real photo as the ID document, sign in with another photo of the same person, and be
 * refused with someone else's; a fixture selfie captured by a camera still signs its persona
 * in, and a fixture persona never matches a real photo. Always an in-process stack (the model
 * runs in its process).
 */

const missing = [...modelPackagesMissing().map((p) => `${p} (optional dependency: npm ci)`), ...missingPhotos(["webcamA", "webcamB", "man"])];
if (missing.length) console.log(`[skip] face-login with real faces: not installed: ${missing.join("; ")}`);

const ana = readPersonas().find((p) => p.id === "ana")!;

/**
 * Has the stack analyse a photo before the app uses it (DetectFaces through the SDK; the engine
 * caches by content). Cognito gives the Verify trigger 5 seconds (and it waits 3.5 of them for
 * Index Faces to read an ID document), and on a machine whose cores the rest of the suite keeps
 * busy one analysis can take that long: warmed, the Lambdas' own Rekognition calls answer from
 * the cache, and the test judges the faces, not the machine's load.
 */
async function seen(photo: Buffer): Promise<Buffer> {
  await app.rekognition.send(new DetectFacesCommand({ Image: { Bytes: photo } }));
  return photo;
}
const person = "real.person@example.com";
let app: AppUnderTest;

beforeAll(async () => {
  if (missing.length) return;
  app = await startLocalApp();
  // As the CLI does once ready: the model loads in the background.
  (app.target.stack!.app.components.find((c) => c.name === "rekognition") as RekognitionService).engine.warm?.();
});
afterAll(() => app?.close());

describe.skipIf(missing.length > 0)("face login with real photographs", () => {

  it("enrols with a real photo as the ID document and signs in with another photo of the same person", async () => {
    const { answered } = await enrol(app, person, await seen(readPhoto("webcamA")));
    expect(answered.tokens, answered.challenge?.lastError).toBeDefined();
    const signedIn = await signIn(app, person, await seen(readPhoto("webcamB")));
    expect(signedIn.tokens, signedIn.challenge?.lastError).toBeDefined();
    const claims = await idTokenVerifier(app).verify(signedIn.tokens!.IdToken!);
    expect(claims.email).toBe(person);
  });

  it("refuses another person's photo three times, then ends the sign-in", async () => {
    const first = await signIn(app, person, await seen(readPhoto("man")));
    expect(first.challenge?.lastError).toBe("We did not recognise your face. Try again, facing the camera in good light.");
    const second = await faceRound(app, first.challenge!, readPhoto("man"));
    expect(second.challenge?.lastError).toMatch(/did not recognise your face/);
    expect(second.challenge?.attemptsLeft).toBe(1);
    await expect(faceRound(app, second.challenge!, readPhoto("man"))).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it("a fixture persona signs in with her selfie as a camera captured it, and never with a real photo", async () => {
    expect((await enrol(app, ana.email, readFileSync(ana.document))).answered.tokens).toBeDefined();
    const frame = await seen(cameraCapture(decodeImage(readFileSync(ana.selfies[0]!))));
    const viaCamera = await signIn(app, ana.email, frame);
    expect(viaCamera.tokens, viaCamera.challenge?.lastError).toBeDefined();
    const withRealPhoto = await signIn(app, ana.email, readPhoto("webcamB"));
    expect(withRealPhoto.tokens).toBeUndefined();
    expect(withRealPhoto.challenge?.lastError).toMatch(/did not recognise your face/);
    // Nor does the real person sign in with Ana's selfie.
    const withFixture = await signIn(app, person, readFileSync(ana.selfies[0]!));
    expect(withFixture.tokens).toBeUndefined();
  });
});

describe.skipIf(missing.length > 0)("Rekognition's answers on real photographs, through the SDK", () => {
  it("CompareFaces: the same person's two webcam frames match at 90 or more, a stranger does not", async () => {
    const same = await app.rekognition.send(new CompareFacesCommand({ SourceImage: { Bytes: readPhoto("webcamA") }, TargetImage: { Bytes: readPhoto("webcamB") }, SimilarityThreshold: 0 }));
    expect(same.FaceMatches![0]!.Similarity).toBeGreaterThanOrEqual(90);
    const stranger = await app.rekognition.send(new CompareFacesCommand({ SourceImage: { Bytes: readPhoto("webcamA") }, TargetImage: { Bytes: readPhoto("man") }, SimilarityThreshold: 0 }));
    expect(stranger.FaceMatches![0]!.Similarity).toBeLessThan(90);
  });

  it("IndexFaces leaves a face too dark to use out, with the reasons its measured quality gives", async () => {
    await app.rekognition.send(new CreateCollectionCommand({ CollectionId: "real-quality" }));
    const dark = encodeJpeg(brightness(decodePhoto("webcamA"), 0.2), 90);
    const out = await app.rekognition.send(new IndexFacesCommand({ CollectionId: "real-quality", Image: { Bytes: dark }, QualityFilter: "AUTO" }));
    expect(out.FaceRecords).toEqual([]);
    const [unindexed] = out.UnindexedFaces!;
    expect(unindexed!.Reasons).toContain("LOW_BRIGHTNESS");
    expect(unindexed!.FaceDetail!.Quality!.Brightness).toBeLessThan(10);
    const anyway = await app.rekognition.send(new IndexFacesCommand({ CollectionId: "real-quality", Image: { Bytes: dark }, QualityFilter: "NONE" }));
    expect(anyway.FaceRecords).toHaveLength(1);
  });

  it("DetectFaces with ALL answers the attributes the nets give, and leaves out those they do not", async () => {
    const { FaceDetails } = await app.rekognition.send(new DetectFacesCommand({ Image: { Bytes: readPhoto("webcamB") }, Attributes: ["ALL"] }));
    const face = FaceDetails![0]!;
    expect(face.AgeRange!.Low).toBeLessThan(face.AgeRange!.High!);
    expect(face.Gender!.Value).toMatch(/^(Male|Female)$/);
    expect(face.Emotions!.length).toBe(7);
    expect(face.Landmarks).toHaveLength(30);
    expect(face.EyesOpen).toBeDefined();
    expect(face.Eyeglasses).toBeUndefined();
    expect(face.Beard).toBeUndefined();
  });
});
