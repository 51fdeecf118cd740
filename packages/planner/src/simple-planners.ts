import { Rng, type Plan } from "@farsight/core";
import { assertPlannable } from "./request.js";
import type { PlanRequest, Planner } from "@farsight/core";

/** A per-session, per-step stream: a plan depends on (seed, session, step), not on call order or batch layout. */
export function sessionRng(seed: number, planner: string, request: PlanRequest): Rng {
  return new Rng(seed, `planner/${planner}/${request.sessionId}/${request.step}`);
}

/** Every candidate: no mask, the flat-RL ablation. */
export class AllCategoriesPlanner implements Planner {
  readonly name = "all-categories";
  readonly usesLlm = false;

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map((r) => {
      assertPlannable(r);
      return { categories: r.candidates.map((c) => c.id), source: { kind: "heuristic", by: this.name } };
    });
  }
}

export interface RandomCategoryPlannerOptions {
  /** Seed of the per-session streams. Default 0. */
  readonly seed?: number;
  /** Smallest subset size. Default 1. */
  readonly minCategories?: number;
  /** Largest subset size (capped by the number of candidates). Default 3. */
  readonly maxCategories?: number;
}

/** A uniformly random subset of 1..3 candidates (sizes configurable): the "LERL with a random planner" ablation. */
export class RandomCategoryPlanner implements Planner {
  readonly name = "random";
  readonly usesLlm = false;
  private readonly seed: number;
  private readonly min: number;
  private readonly max: number;

  constructor(options: RandomCategoryPlannerOptions = {}) {
    this.seed = options.seed ?? 0;
    this.min = Math.max(1, options.minCategories ?? 1);
    this.max = Math.max(this.min, options.maxCategories ?? 3);
  }

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map((r) => {
      assertPlannable(r);
      const rng = sessionRng(this.seed, this.name, r);
      const n = r.candidates.length;
      const hi = Math.min(this.max, n);
      const lo = Math.min(this.min, hi);
      const k = rng.intBetween(lo, hi);
      const picked = rng.sample(n, k).sort((a, b) => a - b);
      return { categories: picked.map((i) => r.candidates[i]!.id), source: { kind: "heuristic", by: this.name } };
    });
  }
}
