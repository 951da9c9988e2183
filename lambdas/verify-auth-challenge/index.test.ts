import { beforeAll, describe, expect, it } from "vitest";

let lambda: typeof import("./index.js");
beforeAll(async () => {
  Object.assign(process.env, { COLLECTION_ID: "c", FACES_TABLE: "f", CHALLENGES_TABLE: "ch", SIGN_IN_BUCKET: "s", AWS_REGION: "us-east-1" });
  lambda = await import("./index.js");
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
});
