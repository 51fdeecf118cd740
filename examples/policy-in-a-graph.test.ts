import { describe, expect, it } from "vitest";
import { trainWithFatigueGuard } from "./policy-in-a-graph.ts";

describe("example: PPO inside a custom LangGraph graph with a high level of your own", () => {
  it("spends the budget, updates once per full rollout, and never shows a category the guard took off the plan", async () => {
    const s = await trainWithFatigueGuard({ steps: 960, seed: 0 });
    expect(s.envSteps).toBe(960);
    // 16 slots x the rollout length per update: the graph's learn node ran once per full buffer.
    expect(s.updates).toBe(960 / s.rolloutTransitions);
    expect(s.gradientSteps).toBeGreaterThan(s.updates);
    expect(s.guardViolations).toBe(0);
    expect(s.returns.length).toBeGreaterThan(16);
    expect(s.returns.every(Number.isFinite)).toBe(true);
  }, 120_000);
});
