import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareLerlWithFlatPpo } from "./lab-compare.ts";

describe("example: a 3-seed LERL vs flat PPO comparison from a script through @farsight/lab", () => {
  it("returns one row per agent with each seed's values, prints the table and writes a run directory", async () => {
    const seeds = [0, 1, 2];
    const { rows, table, out } = await compareLerlWithFlatPpo({ steps: 320, episodes: 8, seeds });
    expect(rows.map((r) => r.agent)).toEqual(["LERL (reflection-guided)", "PPO (flat)", "PPO (flat, sampled)", "random", "popularity"]);
    for (const row of rows) {
      expect(row.perSeed.map((s) => s.seed)).toEqual(seeds);
      // The row's mean is the mean of its seeds' values: nothing is lost between the two.
      const mean = row.perSeed.reduce((a, s) => a + s["r_traj"]!, 0) / seeds.length;
      expect(Number(row["r_traj"])).toBeCloseTo(mean, 10);
      expect(row.perSeed.every((s) => Number.isFinite(s["len"]) && s["len"]! >= 1)).toBe(true);
    }
    expect(table).toMatch(/^agent +Eval +Len/);
    expect(table).toContain("3 seed(s) x 8 sessions");
    // Under it, the comparison over seeds: LERL's row names its ablation, its difference and a verdict.
    expect(table).toMatch(/\| LERL \(reflection-guided\) \| [-\d.]+, [-\d.]+, [-\d.]+ \|/);
    expect(table).toMatch(/wins|loses|no difference shown/);
    expect(existsSync(join(out, "results.json"))).toBe(true);
  }, 300_000);
});
