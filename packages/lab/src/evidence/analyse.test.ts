import { describe, expect, it } from "vitest";
import { compareAlong, robustness, threshold, type EvidenceRun } from "./analyse.js";

const SEEDS = [0, 1, 2, 3, 4];
/** Flat PPO trained once per seed (x NaN); LERL(q) = flat + gain(q) + a small per-seed wobble that keeps the pairing honest. */
function sweep(gain: (q: number) => number): EvidenceRun[] {
  const base = [10, 12, 9, 11, 10.5];
  const runs: EvidenceRun[] = SEEDS.map((seed) => ({ sweep: "lerl-quality", preset: "synthetic", x: NaN, method: "flat", seed, metrics: { r_traj: base[seed]!, collapsed: seed === 2 ? 1 : 0 } }));
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    for (const seed of SEEDS) runs.push({ sweep: "lerl-quality", preset: "synthetic", x: q, method: "lerl", seed, metrics: { r_traj: base[seed]! + gain(q) + (seed % 2 ? 0.05 : -0.05), collapsed: 0 } });
  }
  return runs;
}

describe("compareAlong", () => {
  it("pairs each point's runs with the shared ablation run of the same seed", () => {
    const points = compareAlong(sweep((q) => 4 * q - 2), { sweep: "lerl-quality", method: "lerl", ablation: "flat", reps: 2000 });
    expect(points.map((p) => p.x)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const half = points[2]!;
    // gain 0 at q = 0.5: per-seed differences are the wobble only (-0.05, 0.05, -0.05, 0.05, -0.05), mean -0.01.
    expect(half.difference.estimate).toBeCloseTo(-0.01, 10);
    expect(half.difference.paired).toBe(true);
    expect(half.difference.verdict).toBe("no difference shown");
    expect(points[0]!.difference.verdict).toBe("loses");
    expect(points[4]!.difference.verdict).toBe("wins");
    // Paired: the seed-to-seed spread of the base (9..12) does not widen the interval of the difference.
    expect(points[4]!.difference.hi - points[4]!.difference.lo).toBeLessThan(0.2);
    // LERL (11.95, 14.05, 10.95, 13.05, 12.45) beats flat (10, 12, 9, 11, 10.5) in 4 + 5 + 3 + 5 + 5 of 25 pairs.
    expect(points[4]!.improvement.estimate).toBeCloseTo(22 / 25, 10);
  });

  it("refuses a sweep whose ablation lacks a seed the method has", () => {
    const runs = sweep(() => 1).filter((r) => !(r.method === "flat" && r.seed === 3));
    expect(() => compareAlong(runs, { sweep: "lerl-quality", method: "lerl", ablation: "flat", reps: 200 })).toThrow(/flat has no run for seed 3/);
  });
});

describe("threshold", () => {
  it("finds where the method starts and stops winning, and the crossing of the mean difference", () => {
    const t = threshold(compareAlong(sweep((q) => 4 * q - 2), { sweep: "lerl-quality", method: "lerl", ablation: "flat", reps: 2000 }));
    expect(t.winsFrom).toBe(0.75);
    expect(t.losesUpTo).toBe(0.25);
    // Mean differences: -2.01, -1.01, -0.01, 0.99, 1.99: the crossing is 0.5 + 0.25 * 0.01 / 1.
    expect(t.crossing).toBeCloseTo(0.5025, 10);
  });

  it("says never when the method wins nowhere, even if it wins at a middle point", () => {
    const t = threshold(compareAlong(sweep((q) => (q === 0.5 ? 3 : -3)), { sweep: "lerl-quality", method: "lerl", ablation: "flat", reps: 2000 }));
    expect(t.winsFrom).toBeNull();
    expect(t.losesUpTo).toBe(0.25);
  });
});

describe("robustness", () => {
  it("reports the worst seed, the mean seed spread and the collapsed share per method", () => {
    const r = robustness(sweep(() => 0), "lerl-quality");
    const flat = r.find((x) => x.method === "flat")!;
    expect(flat.worst).toEqual({ value: 9, seed: 2, x: NaN });
    expect(flat.seedSpread).toBeCloseTo(3, 10);
    expect(flat.collapsedShare).toBeCloseTo(1 / 5, 10);
    const lerl = r.find((x) => x.method === "lerl")!;
    expect(lerl.runs).toBe(25);
    expect(lerl.collapsedShare).toBe(0);
    expect(lerl.seedSpread).toBeCloseTo(3 + 0.1, 10);
  });
});
