import { describe, expect, it } from "vitest";
import { criticAdvantages, demoWeights, discountedReturns, shapedReward } from "./weights.js";

describe("IL-Rec demonstration weights, filter form (default)", () => {
  it("gates by the critic's advantage: 0 where the demonstration does not beat the policy, in [0, 1], not normalised", () => {
    // beta 1, alpha 0.5, D = 0.5 (w_irl = 1): w = sqrt(clamp(A, 0, 1)).
    const w = demoWeights([-3, 0, 0.25, 1, 7], [0.5, 0.5, 0.5, 0.5, 0.5], { beta: 1, alpha: 0.5 });
    expect(Array.from(w).map((v) => +v.toFixed(6))).toEqual([0, 0, 0.5, 1, 1]);
    // A teacher worse than the policy everywhere gets weight 0 everywhere (mean 0, not renormalised to 1).
    const bad = demoWeights([-0.5, -2, -0.1], [0.01, 0.01, 0.01], {});
    expect(Array.from(bad)).toEqual([0, 0, 0]);
    // The discriminator can only lower a weight: ratio (1/D - 1) is capped at 1. D = 0.8 -> ratio 0.25.
    const d = demoWeights([1, 1], [0.8, 0.1], { beta: 1, alpha: 0.5 });
    expect(d[0]).toBeCloseTo(0.5, 6);
    expect(d[1]).toBeCloseTo(1, 6);
    // beta is the advantage of full weight; non-finite advantages are no evidence (weight 0).
    expect(demoWeights([1, NaN], [0.5, 0.5], { beta: 4, alpha: 1 })[0]).toBeCloseTo(0.25, 6);
    expect(demoWeights([1, NaN], [0.5, 0.5], { beta: 4, alpha: 1 })[1]).toBe(0);
    expect(() => demoWeights([1], [0.5], { beta: 0 })).toThrow(/beta must be > 0/);
  });

  it("computes the critic advantage r + gamma V(s') (1 - done) - V(s)", () => {
    // Row 0: 1 + 0.5 * 4 - 2 = 1. Row 1 ends the session: 0 + 0 - 3 = -3.
    expect(Array.from(criticAdvantages([1, 0], [0, 1], [2, 3], [4, 10], 0.5))).toEqual([1, -3]);
  });
});

describe("IL-Rec demonstration weights, released form", () => {
  it("matches w = w_env^alpha * w_irl^(1-alpha), normalised to mean 1, on hand-computed values", () => {
    // beta 2, alpha 0.5, gamma_irl 1. Row 0: A = 0, D = 0.5 -> w_env 1, w_irl 1, w 1.
    // Row 1: A = 2 ln 2, D = 0.2 -> w_env = exp(ln 2) = 2, w_irl = 1/0.2 - 1 = 4, w = sqrt(2 * 4) = 2.828427.
    // Mean 1.914214 -> [0.522408, 1.477592].
    const w = demoWeights([0, 2 * Math.LN2], [0.5, 0.2], { form: "released", beta: 2, alpha: 0.5, gammaIrl: 1 });
    expect(w[0]).toBeCloseTo(1 / 1.9142136, 5);
    expect(w[1]).toBeCloseTo(2.8284271 / 1.9142136, 5);
    expect(w[0]! + w[1]!).toBeCloseTo(2, 5);
  });

  it("uses only the advantage at alpha 1 and only the density ratio at alpha 0, with gamma_irl as exponent", () => {
    // alpha 1: w proportional to exp(A / beta) = [e^0, e^1, e^2] / mean.
    const env = demoWeights([0, 1, 2], [0.9, 0.1, 0.5], { form: "released", beta: 1, alpha: 1 });
    const e = [1, Math.E, Math.E ** 2], me = (e[0]! + e[1]! + e[2]!) / 3;
    e.forEach((v, i) => expect(env[i]).toBeCloseTo(v / me, 5));
    // alpha 0, gamma_irl 2: w proportional to (1/D - 1)^2 = [(1/9)^2, 81, 1].
    const irl = demoWeights([5, -5, 0], [0.9, 0.1, 0.5], { form: "released", alpha: 0, gammaIrl: 2 });
    const r = [1 / 81, 81, 1], mr = (r[0]! + r[1]! + r[2]!) / 3;
    r.forEach((v, i) => expect(irl[i]).toBeCloseTo(v / mr, 4));
  });

  it("clamps the exponent and clips to [1e-6, 1e6] before normalising, and survives D = 0 or 1", () => {
    // A/beta = +-1000 is clamped to +-80; exp(+80) is clipped to 1e6, exp(-80) to 1e-6.
    const w = demoWeights([1000, -1000], [0.5, 0.5], { form: "released", beta: 1, alpha: 1 });
    const m = (1e6 + 1e-6) / 2;
    expect(w[0]).toBeCloseTo(1e6 / m, 5);
    expect(w[1]! * m).toBeCloseTo(1e-6, 9);
    const extreme = demoWeights([0, 0, 0], [0, 1, NaN], { form: "released", alpha: 0 });
    for (const v of extreme) expect(Number.isFinite(v)).toBe(true);
    expect(extreme[0]).toBeGreaterThan(extreme[2]!); // D -> 0 looks demonstrated: the largest weight
    expect(extreme[1]).toBeLessThan(extreme[2]!);
    // Why it is not the default: a uniformly bad teacher (all advantages negative) still has mean weight 1.
    const bad = demoWeights([-0.5, -2, -0.1], [0.5, 0.5, 0.5], { form: "released" });
    expect(bad.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(1, 5);
  });

  it("shapes the reward as log(1 - D) - log D and discounts demonstration returns per episode", () => {
    const r = shapedReward([0.5, 0.2, 0.8]);
    expect(r[0]).toBeCloseTo(0, 6);
    expect(r[1]).toBeCloseTo(Math.log(4), 5);
    expect(r[2]).toBeCloseTo(-Math.log(4), 5);
    // Two episodes [1, 2, 4] and [3]; gamma 0.5: G = [1 + 0.5*(2 + 0.5*4), 2 + 0.5*4, 4, 3] = [3, 4, 4, 3].
    expect(Array.from(discountedReturns([1, 2, 4, 3], [0, 0, 1, 1], 0.5))).toEqual([3, 4, 4, 3]);
  });
});
