import { describe, expect, it } from "vitest";
import { ci95, tQuantile975 } from "./student-t.js";

describe("ci95 (Student t over per-seed means)", () => {
  it("matches hand-computed intervals", () => {
    // mean 3, sample std sqrt(2.5), t(0.975, 4) = 2.776: half-width 2.776 * sqrt(2.5) / sqrt(5) = 1.96293.
    const a = ci95([1, 2, 3, 4, 5]);
    expect(a.mean).toBe(3);
    expect(a.std).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(a.halfWidth).toBeCloseTo(1.96293, 4);
    expect([a.min, a.max, a.n]).toEqual([1, 5, 5]);
    // Two seeds: std sqrt(2), standard error 1, t(0.975, 1) = 12.706.
    expect(ci95([10, 12]).halfWidth).toBeCloseTo(12.706, 6);
    // Three seeds 7.1, 7.5, 6.9: std 0.305505, t(0.975, 2) = 4.303 -> 0.75898.
    expect(ci95([7.1, 7.5, 6.9]).halfWidth).toBeCloseTo(0.75898, 4);
  });

  it("gives no interval for one seed and zero width for identical seeds", () => {
    const one = ci95([4.2]);
    expect(one.mean).toBe(4.2);
    expect(one.halfWidth).toBeNaN();
    expect(ci95([5, 5, 5]).halfWidth).toBe(0);
    expect(ci95([]).mean).toBeNaN();
  });

  it("uses t quantiles from the table and, above 30 degrees of freedom, an expansion close to the tables", () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(40)).toBeCloseTo(2.021, 3);
    expect(tQuantile975(60)).toBeCloseTo(2.0, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.98, 3);
    expect(tQuantile975(0)).toBeNaN();
  });
});
