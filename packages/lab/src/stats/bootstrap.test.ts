import { FarsightError } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { iqm, intervalEstimate, mean, median } from "./index.js";
import { allResamples, exactQuantile, monteCarloBracket } from "./test-exact.js";

const REPS = 20_000;

function expectWithin(value: number, bracket: { lo: number; hi: number }): void {
  expect(value).toBeGreaterThanOrEqual(bracket.lo - 1e-12);
  expect(value).toBeLessThanOrEqual(bracket.hi + 1e-12);
}

describe("the percentile interval against the exact bootstrap distribution (all n^n resamples)", () => {
  const sample = [0, 1, 3, 7, 15];

  for (const [name, f] of [["mean", mean], ["iqm", iqm], ["median", median]] as const) {
    it(`${name} of 5 runs: both bounds fall where ${REPS} replicates must put them`, () => {
      const exact = [...allResamples(sample)].map((r) => f(r)); // 5^5 = 3125 equally likely resamples
      const e = intervalEstimate(sample, { aggregate: name, reps: REPS });
      expectWithin(e.lo, monteCarloBracket(exact, 0.025, REPS));
      expectWithin(e.hi, monteCarloBracket(exact, 0.975, REPS));
      expect(e.estimate).toBe(f(sample));
      expect(e.n).toBe(5);
    });
  }

  it("the bracket is narrow enough to tell a 95% interval from a 90% one (the check can fail)", () => {
    const exact = [...allResamples(sample)].map((r) => mean(r));
    const lo = monteCarloBracket(exact, 0.025, REPS);
    expect(exactQuantile(exact, 0.05)).toBeGreaterThan(lo.hi);
  });

  it("stratified: runs are resampled within each task, matching the 27 x 27 exact enumeration, not the pooled one", () => {
    const a = [0, 1, 5];
    const b = [10, 12, 20];
    const exact: number[] = [];
    for (const ra of allResamples(a)) for (const rb of allResamples(b)) exact.push((mean(ra) + mean(rb)) / 2);
    const pooled = [...allResamples([...a, ...b])].map((r) => mean(r));
    const e = intervalEstimate({ a, b }, { reps: REPS });
    const lo = monteCarloBracket(exact, 0.025, REPS);
    const hi = monteCarloBracket(exact, 0.975, REPS);
    expectWithin(e.lo, lo);
    expectWithin(e.hi, hi);
    // Pooling the tasks would mix presets in a replicate and widen the interval well outside the brackets.
    expect(exactQuantile(pooled, 0.025)).toBeLessThan(lo.lo);
    expect(exactQuantile(pooled, 0.975)).toBeGreaterThan(hi.hi);
    expect(e.tasks).toBe(2);
  });
});

describe("reproducibility", () => {
  const scores = { synthetic: [9.1, 10.4, 8.7, 11.2, 10.0], coat: [70.2, 74.9, 72.1, 69.8, 73.3] };

  it("the same seed gives the same interval, and the result says which seed and how many resamples", () => {
    const a = intervalEstimate(scores, { aggregate: "iqm", seed: 7 });
    expect(intervalEstimate(scores, { aggregate: "iqm", seed: 7 })).toEqual(a);
    expect(a).toMatchObject({ seed: 7, reps: 10_000, confidence: 0.95, statistic: "IQM" });
  });

  it("another seed gives another Monte Carlo draw (the seed is used, not ignored)", () => {
    // The mean of 5 + 5 distinct runs takes thousands of values, so 1,000 replicates put the bounds between
    // different order statistics for different streams; the IQM's few values could coincide.
    const a = intervalEstimate(scores, { seed: 7, reps: 1000 });
    const c = intervalEstimate(scores, { seed: 8, reps: 1000 });
    expect([c.lo, c.hi]).not.toEqual([a.lo, a.hi]);
  });

  it("a higher confidence gives a wider interval from the same replicates", () => {
    const c95 = intervalEstimate(scores, {});
    const c99 = intervalEstimate(scores, { confidence: 0.99 });
    expect(c99.lo).toBeLessThanOrEqual(c95.lo);
    expect(c99.hi).toBeGreaterThanOrEqual(c95.hi);
  });
});

describe("edge cases", () => {
  it("one seed: the estimate and no interval (NaN), never a zero-width one", () => {
    const e = intervalEstimate([10.24]);
    expect(e.estimate).toBe(10.24);
    expect(e.lo).toBeNaN();
    expect(e.hi).toBeNaN();
    expect(e.n).toBe(1);
  });

  it("a task with one seed among others still gives no interval: its variation is unknown", () => {
    const e = intervalEstimate({ a: [1, 2, 3], b: [5] });
    expect(e.n).toBe(1);
    expect(e.lo).toBeNaN();
  });

  it("all runs tied: the interval is the single value", () => {
    const e = intervalEstimate([4, 4, 4, 4], { aggregate: "iqm" });
    expect([e.estimate, e.lo, e.hi]).toEqual([4, 4, 4]);
  });

  it("NaN is an error naming the method, the task and the run, never dropped", () => {
    const call = () => intervalEstimate({ synthetic: [1, 2], coat: [3, NaN, 5] }, { method: "LERL" });
    expect(call).toThrow(FarsightError);
    expect(call).toThrow(/LERL, task "coat": run 1 is NaN/);
    expect(call).toThrow(expect.objectContaining({ code: "lab/stats-bad-input", context: expect.objectContaining({ method: "LERL", task: "coat", run: 1 }) }));
  });

  it("an infinite value, an empty task and a method without tasks are errors too", () => {
    expect(() => intervalEstimate([1, Infinity], { method: "PPO" })).toThrow(/PPO, task "all": run 1 is Infinity/);
    expect(() => intervalEstimate({ coat: [] }, { method: "PPO" })).toThrow(/PPO, task "coat": no runs/);
    expect(() => intervalEstimate({}, { method: "PPO" })).toThrow(/PPO: no tasks/);
  });

  it("options out of range are errors that say what is expected", () => {
    expect(() => intervalEstimate([1, 2], { reps: 0 })).toThrow(/reps must be an integer >= 1/);
    expect(() => intervalEstimate([1, 2], { confidence: 95 })).toThrow(/confidence must be in \(0, 1\)/);
    expect(() => intervalEstimate([1, 2], { seed: 0.5 })).toThrow(/seed must be a safe integer/);
    expect(() => intervalEstimate([1, 2], { aggregate: "max" as never })).toThrow(/aggregate must be/);
  });
});
