import { describe, expect, it } from "vitest";
import { learnFromOwnDemos } from "./ilrec-own-demos.ts";

describe("example: IL-Rec's learner on demonstrations of your own", () => {
  it("turns hand-written sessions into weighted demonstrations, anneals imitation to pure RL and serves without the teacher", async () => {
    const r = await learnFromOwnDemos({ demos: 12, steps: 960, seed: 0 });
    expect(r.episodes).toHaveLength(12);
    // The carousel never repeats an item, so every demonstrated step is usable.
    for (const e of r.episodes) expect(new Set(e.steps.map((s) => s.slate[0])).size).toBe(e.length);
    expect(r.weights).toHaveLength(r.episodes.reduce((n, e) => n + e.length, 0));
    // Weights are IL-Rec's critic-gated demonstration weights, in [0, 1], refreshed at least once.
    expect(r.weights.every((w) => w >= 0 && w <= 1)).toBe(true);
    expect(r.summary.discriminatorAccuracy).toBeGreaterThan(0);
    expect(r.summary.imitationScale).toBe(0);
    expect(r.summary.envSteps).toBeGreaterThanOrEqual(960);
    expect(Number.isFinite(r.served)).toBe(true);
  }, 120_000);
});
