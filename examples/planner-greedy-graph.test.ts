import { describe, expect, it } from "vitest";
import type { Planner } from "@farsight/planner";
import { runPlannerGreedy } from "./planner-greedy-graph.ts";

/** Always the same one category: under the synthetic preset's category-window quit rule users leave at once. */
const oneCategory: Planner = {
  name: "one-category",
  usesLlm: false,
  plan: async (requests) => requests.map(() => ({ categories: [0], source: { kind: "heuristic", by: "one-category" } })),
};

describe("example: planner + greedy recommender as a custom LangGraph graph", () => {
  it("runs every session to its end and never recommends outside the plan", async () => {
    const s = await runPlannerGreedy({ sessions: 48, seed: 0 });
    expect(s.returns).toHaveLength(48);
    expect(s.outsidePlan).toBe(0);
    expect(s.shown).toBeGreaterThan(48);
  });

  it("the plan steers the sessions: a one-category plan makes users leave early", async () => {
    const varied = await runPlannerGreedy({ sessions: 48, seed: 0 });
    const narrow = await runPlannerGreedy({ sessions: 48, seed: 0, planner: oneCategory });
    expect(narrow.outsidePlan).toBe(0);
    expect(narrow.shown / 48).toBeLessThanOrEqual(3); // the window rule ends a one-category session within 3 steps
    expect(varied.shown).toBeGreaterThan(2 * narrow.shown);
  });
});
