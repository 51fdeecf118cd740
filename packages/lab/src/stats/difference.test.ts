import { describe, expect, it } from "vitest";
import { difference, mean, verdictOf } from "./index.js";
import { allResamples, monteCarloBracket } from "./test-exact.js";

const REPS = 20_000;

// Seeds differ a lot (seed i sets the users and the environment), the method adds about 1 on every seed.
const seedEffect = [0, 10, 20, 30, 40];
const lift = [1.0, 1.2, 0.8, 1.1, 0.9];
const withMethod = { method: "LERL", scores: seedEffect.map((s, i) => s + lift[i]!) };
const ablation = { method: "flat PPO", scores: seedEffect };

describe("difference of two methods", () => {
  it("paired: seed effects cancel, the interval hugs the per-seed lifts and excludes 0", () => {
    const d = difference(withMethod, ablation, { paired: true });
    expect(d.estimate).toBeCloseTo(1, 12);
    expect(d.lo).toBeGreaterThanOrEqual(Math.min(...lift) - 1e-12);
    expect(d.hi).toBeLessThanOrEqual(Math.max(...lift) + 1e-12);
    expect(d.verdict).toBe("wins");
    expect(d).toMatchObject({ x: "LERL", y: "flat PPO", paired: true, n: 5, statistic: "mean" });
  });

  it("unpaired on the same data: the seed spread swamps the lift, the interval contains 0", () => {
    const d = difference(withMethod, ablation, { paired: false });
    expect(d.estimate).toBeCloseTo(1, 12);
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
    expect(d.verdict).toBe("no difference shown");
  });

  it("paired mean difference = the bootstrap of per-seed differences (exact enumeration of 4^4 resamples)", () => {
    const x = [3, 5, 4, 9];
    const y = [1, 4, 1, 8];
    const exact = [...allResamples(x.map((v, i) => v - y[i]!))].map((r) => mean(r));
    const d = difference({ method: "x", scores: x }, { method: "y", scores: y }, { paired: true, reps: REPS });
    for (const [bound, p] of [[d.lo, 0.025], [d.hi, 0.975]] as const) {
      const b = monteCarloBracket(exact, p, REPS);
      expect(bound).toBeGreaterThanOrEqual(b.lo - 1e-12);
      expect(bound).toBeLessThanOrEqual(b.hi + 1e-12);
    }
  });

  it("unpaired mean difference matches the exact enumeration of independent resamples (256 x 256)", () => {
    const x = [3, 5, 4, 9];
    const y = [1, 4, 1, 8];
    const exact: number[] = [];
    for (const rx of allResamples(x)) for (const ry of allResamples(y)) exact.push(mean(rx) - mean(ry));
    const d = difference({ method: "x", scores: x }, { method: "y", scores: y }, { paired: false, reps: REPS });
    for (const [bound, p] of [[d.lo, 0.025], [d.hi, 0.975]] as const) {
      const b = monteCarloBracket(exact, p, REPS);
      expect(bound).toBeGreaterThanOrEqual(b.lo - 1e-12);
      expect(bound).toBeLessThanOrEqual(b.hi + 1e-12);
    }
  });

  it("loses when the whole interval is below 0; the IQM difference is the difference of IQMs", () => {
    const d = difference(ablation, withMethod, { paired: true, aggregate: "iqm" });
    expect(d.verdict).toBe("loses");
    expect(d.statistic).toBe("IQM");
    // IQMs of 5 runs: mean of the middle three. flat PPO: (10 + 20 + 30) / 3; LERL: (11.2 + 20.8 + 31.1) / 3.
    expect(d.estimate).toBeCloseTo(20 - 63.1 / 3, 12);
  });

  it("tasks are matched by name across methods, whatever their order", () => {
    const a = difference({ method: "a", scores: { s: [2, 3], c: [10, 11] } }, { method: "b", scores: { c: [9, 10], s: [1, 2] } }, { paired: true });
    expect(a.estimate).toBe(1);
    expect([a.lo, a.hi]).toEqual([1, 1]);
    expect(a.tasks).toBe(2);
  });

  it("one seed: no interval, and no win is claimed", () => {
    const d = difference({ method: "a", scores: [5] }, { method: "b", scores: [1] }, { paired: true });
    expect(d.estimate).toBe(4);
    expect(d.lo).toBeNaN();
    expect(d.verdict).toBe("no difference shown");
  });

  it("refuses tasks that differ, and paired runs whose counts differ, naming both methods", () => {
    expect(() => difference({ method: "a", scores: { s: [1, 2] } }, { method: "b", scores: { c: [1, 2] } }, { paired: false })).toThrow(
      /a vs b: the tasks differ \(only in a: s; only in b: c\)/,
    );
    expect(() => difference({ method: "a", scores: [1, 2, 3] }, { method: "b", scores: [1, 2] }, { paired: true })).toThrow(
      /a vs b, task "all": a paired comparison needs the same seeds/,
    );
    expect(difference({ method: "a", scores: [1, 2, 3] }, { method: "b", scores: [1, 2] }, { paired: false }).n).toBe(2);
    expect(() => difference({ method: "a", scores: [1, NaN] }, { method: "b", scores: [1, 2] }, { paired: false })).toThrow(/a, task "all": run 1 is NaN/);
  });
});

describe("verdicts", () => {
  it("wins above, loses below, no difference shown when the interval contains the null value or is missing", () => {
    expect(verdictOf(0.1, 2, 0)).toBe("wins");
    expect(verdictOf(-2, -0.1, 0)).toBe("loses");
    expect(verdictOf(-0.1, 2, 0)).toBe("no difference shown");
    expect(verdictOf(0, 2, 0)).toBe("no difference shown");
    expect(verdictOf(NaN, NaN, 0)).toBe("no difference shown");
    expect(verdictOf(0.55, 0.9, 0.5)).toBe("wins");
  });
});
