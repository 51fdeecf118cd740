import { describe, expect, it } from "vitest";
import { pairwiseImprovement, probabilityOfImprovement } from "./index.js";
import { allResamples, monteCarloBracket } from "./test-exact.js";

const REPS = 20_000;

describe("probability of improvement P(X > Y)", () => {
  it("X = {1, 2, 3}, Y = {2, 2, 2}: 3 losses, 3 ties (1/2 each), 3 wins over 9 pairs -> 0.5", () => {
    expect(probabilityOfImprovement({ method: "X", scores: [1, 2, 3] }, { method: "Y", scores: [2, 2, 2] }).estimate).toBe(0.5);
  });

  it("two tasks are averaged, each task counting once: task a gives 1, task b gives 1/8 -> 0.5625", () => {
    // Task b pairs (x, y): (1, 2) 0, (1, 3) 0, (2, 2) 1/2, (2, 3) 0 -> 0.5 / 4 = 0.125.
    const p = probabilityOfImprovement({ method: "X", scores: { a: [3, 4], b: [1, 2] } }, { method: "Y", scores: { a: [1, 2], b: [2, 3] } });
    expect(p.estimate).toBe(0.5625);
    expect(p.tasks).toBe(2);
  });

  it("is symmetric: P(X > Y) + P(Y > X) = 1, and identical runs give 0.5", () => {
    const x = [1, 5, 5, 7];
    const y = [2, 5, 6];
    expect(pairwiseImprovement(x, y) + pairwiseImprovement(y, x)).toBe(1);
    expect(pairwiseImprovement(x, x)).toBe(0.5);
  });

  it("its interval resamples X and Y independently: exact enumeration of 27 x 27 resamples", () => {
    const x = [1, 2, 3];
    const y = [1.5, 2, 2.5];
    const exact: number[] = [];
    for (const rx of allResamples(x)) for (const ry of allResamples(y)) exact.push(pairwiseImprovement(rx, ry));
    const p = probabilityOfImprovement({ method: "X", scores: x }, { method: "Y", scores: y }, { reps: REPS });
    for (const [bound, q] of [[p.lo, 0.025], [p.hi, 0.975]] as const) {
      const b = monteCarloBracket(exact, q, REPS);
      expect(bound).toBeGreaterThanOrEqual(b.lo - 1e-12);
      expect(bound).toBeLessThanOrEqual(b.hi + 1e-12);
    }
  });

  it("the verdict compares the interval with 0.5", () => {
    const better = probabilityOfImprovement({ method: "X", scores: [10, 11, 12, 13, 14] }, { method: "Y", scores: [1, 2, 3, 4, 5] });
    expect([better.estimate, better.lo, better.hi, better.verdict]).toEqual([1, 1, 1, "wins"]);
    const worse = probabilityOfImprovement({ method: "Y", scores: [1, 2, 3, 4, 5] }, { method: "X", scores: [10, 11, 12, 13, 14] });
    expect(worse.verdict).toBe("loses");
    const single = probabilityOfImprovement({ method: "X", scores: [3] }, { method: "Y", scores: [1, 2] });
    expect([single.estimate, single.lo, single.verdict]).toEqual([1, NaN, "no difference shown"]);
  });
});
