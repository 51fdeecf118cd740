import { describe, expect, it } from "vitest";
import {
  bandLegend,
  compareMethods,
  comparisonTable,
  curveBands,
  difference,
  differenceLegend,
  formatInterval,
  formatNumber,
  improvementLegend,
  intervalEstimate,
  intervalLegend,
  probabilityOfImprovement,
} from "./index.js";

describe("interval text", () => {
  it("writes estimate [lo, hi] with fixed digits", () => {
    expect(formatInterval({ estimate: 10.2449, lo: 9.8142, hi: 10.6551, n: 5 })).toBe("10.24 [9.81, 10.66]");
    expect(formatInterval({ estimate: 0.5, lo: 0.25, hi: 0.75, n: 3 }, { digits: 3 })).toBe("0.500 [0.250, 0.750]");
  });

  it("signs differences and never writes -0.00", () => {
    expect(formatInterval({ estimate: 0.42, lo: -0.1, hi: 0.93, n: 5 }, { signed: true })).toBe("+0.42 [-0.10, +0.93]");
    expect(formatNumber(-0.001)).toBe("0.00");
    expect(formatNumber(NaN)).toBe("n/a");
  });

  it("one seed says so instead of printing an interval", () => {
    expect(formatInterval(intervalEstimate([10.24]))).toBe("10.24 (1 seed: no interval)");
    expect(intervalLegend(intervalEstimate([10.24]))).toBe("mean over 1 seed (1 seed: no interval)");
  });
});

describe("legends say what the brackets are", () => {
  const a = [10.1, 10.4, 9.9, 10.6, 10.2];
  const b = [9.5, 9.9, 9.7, 10.0, 9.8];

  it("for an aggregate, with the number of seeds, tasks and how to reproduce it", () => {
    expect(intervalLegend(intervalEstimate(a))).toBe("mean [95% stratified-bootstrap CI] over 5 seeds (10,000 resamples, seed 0)");
    expect(intervalLegend(intervalEstimate({ s: a, c: b }, { aggregate: "iqm", confidence: 0.9, reps: 500, seed: 3 }))).toBe(
      "IQM [90% stratified-bootstrap CI] over 5 seeds in each of 2 tasks (500 resamples, seed 3)",
    );
  });

  it("for a difference, a probability of improvement and a band", () => {
    const x = { method: "LERL", scores: b };
    const y = { method: "flat PPO", scores: a };
    expect(differenceLegend(difference(x, y, { paired: true }))).toBe(
      "mean of LERL - mean of flat PPO [95% paired (same seeds) stratified-bootstrap CI] over 5 seeds (10,000 resamples, seed 0)",
    );
    expect(differenceLegend(difference(x, y, { paired: false }))).toContain("[95% unpaired stratified-bootstrap CI]");
    expect(improvementLegend(probabilityOfImprovement(x, y))).toMatch(/^P\(LERL > flat PPO\), the chance a run of LERL beats a run of flat PPO on the same task, ties counting 1\/2 \[95% stratified-bootstrap CI\] over 5 seeds/);
    const band = curveBands([0, 1].map((seed) => ({ seed, points: [{ step: 0, value: seed }, { step: 10, value: seed + 1 }] })));
    expect(bandLegend(band)).toBe("mean over 2 seeds; band: 95% stratified-bootstrap CI (10,000 resamples, seed 0)");
  });
});

describe("comparison table", () => {
  const rows = [
    { method: "flat PPO", scores: [10.1, 10.4, 9.9, 10.6, 10.2] },
    { method: "LERL", scores: [9.5, 9.9, 9.7, 10.0, 9.8], ablation: "flat PPO" },
  ];

  it("per method: per-seed values, mean and IQM with intervals; against the ablation: difference, P(improvement), verdict", () => {
    const results = compareMethods(rows, { paired: true });
    // By hand: flat PPO mean 51.2 / 5 = 10.24, IQM mean(10.1, 10.2, 10.4) = 10.2333; LERL mean 9.78, so -0.46.
    // P(LERL > flat PPO): only 10.0 > 9.9 (1) and 9.9 = 9.9 (1/2) among 25 pairs -> 0.06.
    expect(results[0]!.mean.estimate).toBeCloseTo(10.24, 12);
    expect(results[0]!.iqm.estimate).toBeCloseTo(30.7 / 3, 12);
    expect(results[1]!.versus!.difference.estimate).toBeCloseTo(-0.46, 12);
    expect(results[1]!.versus!.improvement.estimate).toBeCloseTo(0.06, 12);

    const table = comparisonTable(rows, { paired: true });
    const lines = table.split("\n");
    expect(lines[0]).toBe("| Method | Per-seed values | Mean [95% CI] | IQM [95% CI] | Difference in mean vs ablation [95% CI] | P(improvement) [95% CI] | Verdict |");
    const lerl = results[1]!;
    expect(lines[3]).toBe(
      `| LERL | 9.50, 9.90, 9.70, 10.00, 9.80 | ${formatInterval(lerl.mean)} | ${formatInterval(lerl.iqm)} | ` +
        `${formatInterval(lerl.versus!.difference, { signed: true })} vs flat PPO | ${formatInterval(lerl.versus!.improvement)} | ${lerl.versus!.difference.verdict} |`,
    );
    expect(lines[2]).toMatch(/^\| flat PPO \| 10\.10, 10\.40, 9\.90, 10\.60, 10\.20 \| 10\.24 \[/);
    expect(table).toContain("[95% stratified-bootstrap CI] over 5 seeds (10,000 resamples, seed 0)");
    expect(table).toContain("[95% paired (same seeds) stratified-bootstrap CI]");
    expect(table).not.toContain("±");
  });

  it("refuses an ablation that is not another row, and two rows of one name", () => {
    expect(() => comparisonTable([{ method: "LERL", scores: [1, 2], ablation: "PPO" }], { paired: true })).toThrow(/LERL's ablation "PPO" is not another row/);
    expect(() => comparisonTable([{ method: "A", scores: [1, 2] }, { method: "A", scores: [1, 2] }], { paired: true })).toThrow(/two rows are named "A"/);
  });

  it("escapes a | in names so the markdown stays a table", () => {
    expect(comparisonTable([{ method: "a|b", scores: [1, 2] }], { paired: false })).toContain("| a\\|b |");
  });
});
