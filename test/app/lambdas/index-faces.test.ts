import { beforeAll, describe, expect, it } from "vitest";

let lambda: typeof import("../../../lambdas/index-faces/index.js");
beforeAll(async () => {
  Object.assign(process.env, { COLLECTION_ID: "c", FACES_TABLE: "f", AWS_REGION: "us-east-1" });
  lambda = await import("../../../lambdas/index-faces/index.js");
});

describe("index-faces", () => {
  it("takes the sub from a document key the server chose, and nothing else", () => {
    const sub = "0b5c3e7a-1d2f-4a6b-9c8d-112233445566";
    const challenge = "7f9e8d7c-6b5a-4c3d-8e2f-aabbccddeeff";
    expect(lambda.subOf(`documents/${sub}/${challenge}`)).toBe(sub);
    expect(lambda.subOf(`documents/${sub}/../other/${challenge}`)).toBeNull();
    expect(lambda.subOf(`documents/${sub}`)).toBeNull();
    expect(lambda.subOf(`sign-in/${challenge}`)).toBeNull();
    expect(lambda.subOf(`documents/${sub}/${challenge}/extra`)).toBeNull();
  });
  it("decodes S3 event keys", () => {
    expect(lambda.decodeKey("documents/a%2Bb/c+d")).toBe("documents/a+b/c d");
  });
});
