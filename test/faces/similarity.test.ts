import { describe, expect, it } from "vitest";
import { cosine, similarity, similarityFromCosine } from "../../server/faces/similarity.js";

describe("similarity", () => {
  it("is 100 for the same vector and 0 for orthogonal or opposite ones", () => {
    const a = [1, 0, 0];
    expect(similarity(a, a)).toBe(100);
    expect(similarity(a, [0, 1, 0])).toBe(0);
    expect(similarity(a, [-1, 0, 0])).toBe(0);
  });

  it("maps the cosine linearly from 0.6 (0) to 1 (100)", () => {
    expect(similarityFromCosine(0.6)).toBe(0);
    expect(similarityFromCosine(0.98)).toBeCloseTo(95, 6);
    expect(similarityFromCosine(0.94)).toBeCloseTo(85, 6);
    expect(similarityFromCosine(0.8)).toBeCloseTo(50, 6);
  });

  it("does not depend on the vectors' length", () => {
    expect(cosine([3, 4], [6, 8])).toBeCloseTo(1, 12);
    expect(similarity([3, 4], [0.6, 0.8])).toBe(100);
  });

  it("refuses vectors of different dimensions", () => {
    expect(() => similarity([1, 0], [1, 0, 0])).toThrow(RangeError);
  });
});
