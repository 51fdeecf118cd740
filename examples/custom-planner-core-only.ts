/**
 * A planner of your own that depends on `@farsight/core` alone: no LLM stack, no TF.js, no other Farsight
 * package. It implements core's `Planner` interface, so every graph, the conformance suite (`@farsight/testing`)
 * and the evaluation code take it like the packages' own planners.
 *
 * The idea: keep the user moving between categories. Plan the `size` candidates the session has gone longest
 * without, so a quit rule that punishes repeated categories has less to punish.
 * Run it through its test: `npx vitest run examples/custom-planner-core-only.test.ts`.
 */
import type { CategoryId, Plan, PlanRequest, Planner } from "@farsight/core";

export class LeastRecentCategoryPlanner implements Planner {
  readonly name = "least-recent-category";
  readonly usesLlm = false;

  /** @param size categories per plan (fewer when the request has fewer candidates). */
  constructor(private readonly size = 3) {}

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map((request) => {
      // The step each category was last shown at (-1: never, so those come first); the oldest first, ties by id.
      const lastSeen = new Map<CategoryId, number>();
      for (const slate of request.history) for (const c of slate.categories) lastSeen.set(c, slate.step);
      const age = (c: CategoryId) => request.step - (lastSeen.get(c) ?? -1);
      const ranked = [...request.candidates].sort((a, b) => age(b.id) - age(a.id) || a.id - b.id);
      const categories = ranked.slice(0, Math.max(1, this.size)).map((c) => c.id);
      return { categories, source: { kind: "heuristic", by: this.name } };
    });
  }
}
