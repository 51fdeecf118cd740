import { describe, expect, it } from "vitest";
import { commonSteps, curveBands, interpolateCurve, type SeedCurve } from "./index.js";

const pts = (xs: readonly [number, number][]) => xs.map(([step, value]) => ({ step, value }));

// Seed 0 logs every 10 steps up to 20; seed 1 logs at 0, 5, 15, 25.
const curves: SeedCurve[] = [
  { seed: 0, points: pts([[0, 0], [10, 10], [20, 20]]) },
  { seed: 1, points: pts([[0, 2], [5, 4], [15, 6], [25, 8]]) },
];

describe("learning curves on a common grid", () => {
  it("interpolates linearly between logged points, by hand", () => {
    // Seed 1 at 10: halfway from (5, 4) to (15, 6) -> 5; at 20: halfway from (15, 6) to (25, 8) -> 7.
    expect([...interpolateCurve(curves[1]!.points, [0, 10, 20, 25])]).toEqual([2, 5, 7, 8]);
  });

  it("the default grid is every logged step inside the range all seeds cover (0..20: step 25 is left out)", () => {
    expect(commonSteps(curves)).toEqual([0, 5, 10, 15, 20]);
  });

  it("aggregates over seeds at each step: mean of (0, 2), (5, 4), (10, 5), (15, 6), (20, 7)", () => {
    const band = curveBands(curves);
    expect(band.steps).toEqual([0, 5, 10, 15, 20]);
    expect(band.estimate).toEqual([1, 4.5, 7.5, 10.5, 13.5]);
    expect(band.n).toBe(2);
    expect(band.seeds).toEqual([0, 1]);
    band.estimate.forEach((e, k) => {
      expect(band.lo[k]).toBeLessThanOrEqual(e);
      expect(band.hi[k]).toBeGreaterThanOrEqual(e);
    });
  });

  it("resamples whole curves: with 2 seeds every replicate is a mix of the two, so the band spans their values", () => {
    const band = curveBands(curves, { steps: [10], reps: 2000 });
    // Replicates of 2 seeds: {0,0} -> 10, {1,1} -> 5, mixed -> 7.5, with chances 1/4, 1/4, 1/2.
    expect([band.lo[0], band.hi[0]]).toEqual([5, 10]);
  });

  it("never extrapolates: a grid step outside a seed's range is an error naming the seed", () => {
    expect(() => curveBands(curves, { steps: [0, 25], method: "PPO" })).toThrow(/PPO, seed 0: step 25 is outside the logged steps \[0, 20\]/);
  });

  it("staggered logging is put on maxSteps evenly spaced steps over the common range", () => {
    const staggered = [0, 1, 2].map((s) => ({ seed: s, points: Array.from({ length: 100 }, (_, i) => ({ step: i * 10 + s, value: i })) }));
    const band = curveBands(staggered, { maxSteps: 10, reps: 200 });
    expect(band.steps).toHaveLength(10);
    expect([band.steps[0], band.steps[9]]).toEqual([2, 990]);
  });

  it("one seed: the curve and no band; bad curves are errors naming the seed", () => {
    const one = curveBands([curves[0]!]);
    expect(one.estimate).toEqual([0, 10, 20]);
    expect(one.lo.every(Number.isNaN)).toBe(true);
    expect(() => curveBands([{ seed: 3, points: pts([[0, 1], [0, 2]]) }])).toThrow(/seed 3: point 1 has step 0 after step 0/);
    expect(() => curveBands([{ seed: 4, points: pts([[0, 1], [5, NaN]]) }], { method: "A2C" })).toThrow(/A2C, seed 4: point 1 is \(step 5, value NaN\)/);
    expect(() => curveBands([{ seed: 5, points: [] }])).toThrow(/seed 5: the curve has no points/);
    expect(() => curveBands([{ seed: 0, points: pts([[0, 1], [5, 1]]) }, { seed: 1, points: pts([[10, 1], [20, 1]]) }])).toThrow(/do not overlap/);
    expect(() => curveBands([])).toThrow(/no seeds/);
  });
});
