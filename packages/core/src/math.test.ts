import { describe, expect, it } from "vitest";
import { argmax, entropy, logSumExp, mean, quantile, softmax, std, topK } from "./math.js";

describe("math helpers", () => {
  it("mean, std and quantile match hand values", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5, 1, 3], 0)).toBe(1);
    expect(mean([])).toBeNaN();
  });

  it("softmax is stable for large inputs and honours the temperature", () => {
    const p = softmax([1000, 1000 + Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    const q = softmax([0, 10], 10);
    expect(q[1]! / q[0]!).toBeCloseTo(Math.E, 12);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 9);
  });

  it("topK returns the best allowed indices, best first, ties to the smaller index", () => {
    const scores = [0.5, 2, -1, 2, 7, 0];
    expect(topK(scores, 3)).toEqual([4, 1, 3]);
    expect(topK(scores, 3, [1, 0, 1, 1, 0, 1])).toEqual([3, 0, 5]);
    expect(topK(scores, 10, [0, 0, 1, 0, 0, 0])).toEqual([2]);
    expect(topK([NaN, 1], 1)).toEqual([1]);
  });

  it("topK agrees with a full sort on random data", () => {
    let x = 1;
    const scores = Array.from({ length: 500 }, () => ((x = (x * 1103515245 + 12345) % 2147483648) % 97) / 7);
    const bySort = scores.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 12).map((p) => p[1]);
    expect(topK(scores, 12)).toEqual(bySort);
  });

  it("argmax and entropy", () => {
    expect(argmax([1, 3, 3])).toBe(1);
    expect(argmax([])).toBe(-1);
    expect(entropy([1, 1, 1, 1])).toBeCloseTo(Math.log(4), 12);
    expect(entropy([5, 0])).toBe(0);
  });
});

describe("jaccard", () => {
  it("compares lists as sets", async () => {
    const { jaccard } = await import("./observation.js");
    expect(jaccard([1, 2, 3], [2, 3, 4])).toBeCloseTo(0.5, 12);
    expect(jaccard([1, 1, 2], [2, 1])).toBe(1);
    expect(jaccard([], [])).toBe(1);
    expect(jaccard([1], [])).toBe(0);
  });
});
