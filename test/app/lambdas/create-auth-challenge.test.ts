import { beforeAll, describe, expect, it } from "vitest";

let lambda: typeof import("../../../lambdas/create-auth-challenge/index.js");
beforeAll(async () => {
  Object.assign(process.env, {
    DOCUMENTS_BUCKET: "d",
    SIGN_IN_BUCKET: "s",
    FACES_TABLE: "f",
    CHALLENGES_TABLE: "ch",
    SENDER_EMAIL: "no-reply@example.com",
    AWS_REGION: "us-east-1",
  });
  lambda = await import("../../../lambdas/create-auth-challenge/index.js");
});

describe("create-auth-challenge", () => {
  it("makes 6-digit codes spread over the whole range", () => {
    const codes = Array.from({ length: 2000 }, () => lambda.newCode());
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(1990);
    expect(codes.some((c) => c.startsWith("0"))).toBe(true);
  });
  it("keeps the challenge id in metadata and reads it back, refusing anything else", () => {
    const id = "7f9e8d7c-6b5a-4c3d-8e2f-aabbccddeeff";
    expect(lambda.challengeIdOf(lambda.metadataOf("FACE", id))).toBe(id);
    expect(lambda.challengeIdOf(lambda.metadataOf("ENROLL", id))).toBe(id);
    expect(lambda.challengeIdOf("FACE:../x")).toBeNull();
    expect(lambda.challengeIdOf(undefined)).toBeNull();
  });
  it("chooses document keys from the sub and sign-in keys from the challenge alone", () => {
    expect(lambda.documentKey("sub-1", "c-1")).toBe("documents/sub-1/c-1");
    expect(lambda.signInKey("c-1")).toBe("sign-in/c-1");
  });
});
