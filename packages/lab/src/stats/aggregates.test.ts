import { describe, expect, it } from "vitest";
import { aggregateTasks, iqm, mean, median } from "./index.js";

describe("IQM (rliable: scipy.stats.trim_mean(scores, 0.25))", () => {
  it("n = 4 cuts one run from each end: {4, 1, 3, 2} -> mean(2, 3) = 2.5", () => {
    expect(iqm([4, 1, 3, 2])).toBe(2.5);
  });

  it("n = 5 cuts one from each end: {10, 1, 7, 3, 5} -> mean(3, 5, 7) = 5", () => {
    expect(iqm([10, 1, 7, 3, 5])).toBe(5);
  });

  it("n = 8 cuts two from each end, so one outlier seed does not move it: {1..7, 100} -> mean(3, 4, 5, 6) = 4.5", () => {
    expect(iqm([100, 7, 1, 6, 2, 5, 3, 4])).toBe(4.5);
    expect(mean([100, 7, 1, 6, 2, 5, 3, 4])).toBe(16);
  });

  it("n = 10 cuts floor(10 / 4) = 2 from each end: {0..8, 1000} -> mean(2..7) = 4.5", () => {
    expect(iqm([1000, 0, 8, 1, 7, 2, 6, 3, 5, 4])).toBe(4.5);
  });

  it("n = 1..3 cut nothing (floor(n / 4) = 0): the IQM is the mean", () => {
    expect(iqm([7])).toBe(7);
    expect(iqm([1, 4])).toBe(2.5);
    expect(iqm([1, 2, 9])).toBe(4);
  });

  it("ties are kept like any value: {5, 5, 5, 1, 9} -> mean(5, 5, 5) = 5", () => {
    expect(iqm([5, 5, 5, 1, 9])).toBe(5);
  });

  it("is NaN for no runs (callers validate first)", () => {
    expect(iqm([])).toBeNaN();
  });
});

describe("median and mean", () => {
  it("median: middle value for odd n, mean of the middle two for even n", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });
});

describe("aggregates over tasks x runs", () => {
  it("mean is the mean of task means (rliable's aggregate_mean), not the pooled mean, when tasks differ in runs", () => {
    // Task a: mean 1; task b: mean 10. Mean of task means 5.5; the pooled mean would be (1 + 1 + 10 * 4) / 6 = 7.
    expect(aggregateTasks("mean", [[1, 1], [10, 10, 10, 10]])).toBe(5.5);
  });

  it("IQM and median pool every run of every task", () => {
    // Pooled: 0, 1, 2, 3, 4, 5, 6, 100 -> cut 2 each end -> mean(2, 3, 4, 5) = 3.5; median (3 + 4) / 2.
    expect(aggregateTasks("iqm", [[0, 100, 2, 4], [1, 3, 5, 6]])).toBe(3.5);
    expect(aggregateTasks("median", [[0, 100, 2, 4], [1, 3, 5, 6]])).toBe(3.5);
  });
});
