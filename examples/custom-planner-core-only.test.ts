import { describe, expect, it } from "vitest";
import type { Planner } from "@farsight/core";
import { makeGymEnv } from "@farsight/env";
import { buildPlanRequest } from "@farsight/planner";
import { plannerConformance } from "@farsight/testing";
import { readFileSync } from "node:fs";
import { LeastRecentCategoryPlanner } from "./custom-planner-core-only.ts";

// Your planner passes the suite every planner of the packages passes.
plannerConformance("example LeastRecentCategoryPlanner", { usesModel: false, create: () => new LeastRecentCategoryPlanner(2) });

/** Mean session length on the synthetic test users when each step shows the user's best item inside the plan. */
async function meanLength(planner: Planner, sessions: number): Promise<number> {
  const env = await makeGymEnv("synthetic", { role: "test" });
  const { catalog, scorer } = env.sim;
  let steps = 0;
  for (let s = 0; s < sessions; s++) {
    let { observation, info } = env.reset(s === 0 ? { seed: 0 } : {});
    for (let done = false; !done; ) {
      const [plan] = await planner.plan([buildPlanRequest(env.sessionObservation(), { catalog })]);
      const allowed = new Set(plan!.categories);
      const scores = scorer.scoreAll(observation.user);
      let best = -1;
      for (let i = 0; i < catalog.numItems; i++) {
        if (info.actionMask[i] && allowed.has(catalog.itemCategory[i]!) && !observation.items.includes(i) && (best < 0 || scores[i]! > scores[best]!)) best = i;
      }
      const r = env.step(best);
      steps += 1;
      done = r.terminated || r.truncated;
      ({ observation, info } = r);
    }
  }
  return steps / sessions;
}

describe("example: a planner of your own on @farsight/core alone", () => {
  it("imports nothing but @farsight/core", () => {
    const source = readFileSync(new URL("./custom-planner-core-only.ts", import.meta.url), "utf8");
    expect([...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1])).toEqual(["@farsight/core"]);
  });

  it("plans the categories the session has gone longest without", async () => {
    const planner = new LeastRecentCategoryPlanner(2);
    const candidates = [0, 1, 2, 3].map((id) => ({ id }));
    const history = [
      { step: 0, categories: [2], feedback: [1] },
      { step: 1, categories: [0], feedback: [1] },
      { step: 2, categories: [3], feedback: [0] },
    ];
    const [plan] = await planner.plan([{ sessionId: "s", step: 3, candidates, history, reflections: [] }]);
    expect(plan).toEqual({ categories: [1, 2], source: { kind: "heuristic", by: "least-recent-category" } });
  });

  it("keeps synthetic users longer than a plan of one category under the category-window quit rule", async () => {
    const oneCategory: Planner = { name: "one-category", usesLlm: false, plan: async (requests) => requests.map(() => ({ categories: [0], source: { kind: "heuristic", by: "one-category" } })) };
    const rotating = await meanLength(new LeastRecentCategoryPlanner(3), 20);
    const narrow = await meanLength(oneCategory, 20);
    expect(narrow).toBeLessThanOrEqual(3); // the window rule ends a one-category session within 3 steps
    expect(rotating).toBeGreaterThan(2 * narrow);
  });
});
