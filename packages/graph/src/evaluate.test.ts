import { loadPreset, PopularityAgent, RandomAgent, type MetricSummary } from "@farsight/env";
import { describe, expect, it } from "vitest";
import { aggregateSeeds, evaluateAgent } from "./evaluate.js";

describe("evaluation: the collapse measure", () => {
  it("flags popularity (one ranking for everyone) as collapsed on every seed and random on none", async () => {
    const setup = await loadPreset("synthetic");
    const o = { episodes: 200, seeds: [1, 2] };
    const pop = await evaluateAgent(setup, () => new PopularityAgent({ numItems: setup.catalog.numItems, items: setup.trainLog.item }), o);
    const random = await evaluateAgent(setup, (seed) => new RandomAgent({ seed, noRepeat: true }), o);
    for (const s of pop.perSeed) {
      expect(s.sequence_users).toBeGreaterThanOrEqual(30);
      expect(s.distinct_sequence_share).toBeCloseTo(1 / s.sequence_users, 12);
    }
    expect(pop.metrics.collapsed).toBe(1);
    expect(random.metrics.collapsed).toBe(0);
    expect(random.metrics.distinct_sequence_share).toBe(1);
    // Additive: the metrics every report reads are still there.
    for (const key of ["len", "r_traj", "item_coverage", "category_coverage"]) expect(pop.metrics).toHaveProperty(key);
  });

  it("averages per-seed verdicts into the share of collapsed runs", () => {
    const seeds = [1, 0, 0, 1, 0].map((collapsed) => ({ episodes: 100, collapsed, distinct_sequence_share: collapsed ? 0.02 : 0.9 }) as unknown as MetricSummary);
    const m = aggregateSeeds(seeds);
    expect(m.collapsed).toBeCloseTo(0.4, 12);
    expect(m.distinct_sequence_share).toBeCloseTo((2 * 0.02 + 3 * 0.9) / 5, 12);
    expect(m.episodes).toBe(500);
  });
});
