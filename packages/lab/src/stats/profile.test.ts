import { describe, expect, it } from "vitest";
import { DEFAULT_PROFILE_POINTS, fractionAbove, performanceProfile } from "./index.js";
import { allResamples, monteCarloBracket } from "./test-exact.js";

describe("performance profile", () => {
  it("by hand: runs {1, 2, 3, 4} above tau = 0, 1, 2.5, 4 -> 1, 3/4, 1/2, 0 (strictly above)", () => {
    expect(performanceProfile([1, 2, 3, 4], { taus: [0, 1, 2.5, 4] }).fraction).toEqual([1, 0.75, 0.5, 0]);
  });

  it("with tasks, the fraction is taken per task and then averaged (each task counts once)", () => {
    // tau 2.5: task a {1, 2} -> 0, task b {3, 4, 5, 6} -> 1; mean 0.5 (pooling would give 4/6).
    expect(performanceProfile({ a: [1, 2], b: [3, 4, 5, 6] }, { taus: [2.5] }).fraction).toEqual([0.5]);
  });

  it("the band at a threshold matches the exact bootstrap distribution of the fraction", () => {
    const runs = [1, 2, 3, 4, 5];
    const reps = 20_000;
    const exact = [...allResamples(runs)].map((r) => fractionAbove(r, 1.5));
    const p = performanceProfile(runs, { taus: [1.5], reps });
    const lo = monteCarloBracket(exact, 0.025, reps);
    const hi = monteCarloBracket(exact, 0.975, reps);
    // 4 of 5 runs lie above 1.5: K ~ Binomial(5, 0.8) per replicate, P(K <= 1) = 0.0067 < 0.025 < P(K <= 2) = 0.058.
    expect([lo.lo, lo.hi]).toEqual([0.4, 0.4]);
    expect(p.lo[0]).toBeGreaterThanOrEqual(lo.lo);
    expect(p.lo[0]).toBeLessThanOrEqual(lo.hi);
    expect(p.hi[0]).toBeGreaterThanOrEqual(hi.lo);
    expect(p.hi[0]).toBeLessThanOrEqual(hi.hi);
  });

  it("the default grid spans the lowest to the highest score; the band contains the fraction", () => {
    const p = performanceProfile({ a: [3, 8, 5], b: [1, 9, 4] });
    expect(p.taus).toHaveLength(DEFAULT_PROFILE_POINTS);
    expect([p.taus[0], p.taus[p.taus.length - 1]]).toEqual([1, 9]);
    p.fraction.forEach((f, k) => {
      expect(p.lo[k]).toBeLessThanOrEqual(f);
      expect(p.hi[k]).toBeGreaterThanOrEqual(f);
    });
  });

  it("one seed gives NaN bands; thresholds must be finite and increasing", () => {
    const p = performanceProfile([2], { taus: [1, 3] });
    expect(p.fraction).toEqual([1, 0]);
    expect(p.lo.every(Number.isNaN)).toBe(true);
    expect(() => performanceProfile([1, 2], { taus: [2, 1] })).toThrow(/threshold 1 is 1; thresholds must be finite and strictly increasing/);
    expect(() => performanceProfile([1, 2], { taus: [] })).toThrow(/at least one threshold/);
  });
});
