import { describe, expect, it } from "vitest";
import { decide } from "../../../lambdas/define-auth-challenge/index.js";

const round = (challengeResult: boolean, challengeName = "CUSTOM_CHALLENGE") =>
  ({ challengeName, challengeResult, challengeMetadata: "FACE:x" }) as never;

describe("define-auth-challenge", () => {
  it("starts with a custom challenge", () => {
    expect(decide([], false)).toEqual({ issueTokens: false, failAuthentication: false, challengeName: "CUSTOM_CHALLENGE" });
  });
  it("issues tokens after a right answer, even after two wrong ones", () => {
    expect(decide([round(false), round(false), round(true)], false).issueTokens).toBe(true);
  });
  it("asks again after one or two wrong answers, and fails on the third", () => {
    expect(decide([round(false)], false).challengeName).toBe("CUSTOM_CHALLENGE");
    expect(decide([round(false), round(false)], false).challengeName).toBe("CUSTOM_CHALLENGE");
    expect(decide([round(false), round(false), round(false)], false)).toEqual({ issueTokens: false, failAuthentication: true });
  });
  it("never issues tokens to an unknown user, and fails it after three rounds like anyone", () => {
    expect(decide([round(true)], true).issueTokens).toBe(false);
    expect(decide([round(false), round(false), round(false)], true).failAuthentication).toBe(true);
  });
  it("refuses any other challenge (SRP, password) in the session", () => {
    expect(decide([round(true, "SRP_A")], false).failAuthentication).toBe(true);
    expect(decide([round(true, "PASSWORD_VERIFIER")], false).issueTokens).toBe(false);
  });
});
