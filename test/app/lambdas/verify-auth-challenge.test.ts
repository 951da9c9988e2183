import { beforeAll, describe, expect, it } from "vitest";

let lambda: typeof import("../../../lambdas/verify-auth-challenge/index.js");
beforeAll(async () => {
  Object.assign(process.env, { COLLECTION_ID: "c", FACES_TABLE: "f", CHALLENGES_TABLE: "ch", SIGN_IN_BUCKET: "s", AWS_REGION: "us-east-1" });
  lambda = await import("../../../lambdas/verify-auth-challenge/index.js");
});

describe("verify-auth-challenge", () => {
  it("compares secrets exactly, in constant time, trimming blanks", () => {
    expect(lambda.sameSecret("012345", "012345")).toBe(true);
    expect(lambda.sameSecret("012345", " 012345\n")).toBe(true);
    expect(lambda.sameSecret("012345", "12345")).toBe(false);
    expect(lambda.sameSecret("012345", "012346")).toBe(false);
    expect(lambda.sameSecret(undefined, "")).toBe(false);
    expect(lambda.sameSecret("", "")).toBe(false);
  });
  it("words every enrolment outcome for a UI, with no internal names", () => {
    for (const outcome of ["NO_FACE", "SEVERAL_FACES", "FACE_NOT_USABLE", "NOT_AN_IMAGE", undefined]) {
      const words = lambda.enrolmentReason(outcome);
      expect(words).toMatch(/^[A-Z][^_]+\.$/);
    }
  });
  it("takes the best ENROLLED match: unconfirmed faces are skipped, someone else's confirmed face wins over mine", async () => {
    const confirmed: Record<string, string> = { me: "face-me", other: "face-other" };
    const lookup = async (sub: string) => confirmed[sub];
    const match = (faceId: string, owner: string, similarity: number) => ({ Similarity: similarity, Face: { FaceId: faceId, ExternalImageId: owner } });
    expect(await lambda.bestEnrolledMatchIs([match("face-me", "me", 99)], "face-me", lookup)).toBe(true);
    expect(await lambda.bestEnrolledMatchIs([match("pending", "squatter", 100), match("face-me", "me", 98)], "face-me", lookup)).toBe(true);
    expect(await lambda.bestEnrolledMatchIs([match("face-other", "other", 99), match("face-me", "me", 95)], "face-me", lookup)).toBe(false);
    expect(await lambda.bestEnrolledMatchIs([match("face-me", "me", 89)], "face-me", lookup)).toBe(false);
    expect(await lambda.bestEnrolledMatchIs([], "face-me", lookup)).toBe(false);
  });
});
