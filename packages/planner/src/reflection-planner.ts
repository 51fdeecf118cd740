import type { CategoryId, PlanRequest } from "@farsight/core";
import { SaturationAwarePlanner, type SaturationAwarePlannerOptions } from "./saturation-planner.js";

export interface ReflectionGuidedPlannerOptions extends SaturationAwarePlannerOptions {
  /**
   * Weight of the reflections' return lift, in units of the session's feedback range. Default 0.5: a category
   * every reflection of an above-average session saw (lift ~ +1 std) gains about half a range.
   */
  readonly reflectionWeight?: number;
}

/**
 * Sees only what LERL's LLM planner sees: the session's history and the sampled reflections of finished
 * sessions. On top of the saturation-aware judgement of the history (package defaults, nothing from the quit
 * rule), it prefers categories that high-return sessions saw and avoids those of low-return ones: each
 * candidate gets the covariance between "the reflected session saw it" and the session's standardised return,
 * over the request's reflections. It reads the reflections' structured fields (`return`, `categories`), not
 * their text; with fewer than two reflections, or equal returns, it is the saturation-aware planner.
 */
export class ReflectionGuidedPlanner extends SaturationAwarePlanner {
  override readonly name: string = "reflection-guided";
  private readonly weight: number;

  constructor(options: ReflectionGuidedPlannerOptions = {}) {
    super(options);
    this.weight = Math.max(0, options.reflectionWeight ?? 0.5);
  }

  /** Per-category return lift from the request's reflections (exported for inspection and tests). */
  reflectionLift(request: PlanRequest): Map<CategoryId, number> {
    const lift = new Map<CategoryId, number>();
    const rs = request.reflections.filter((r) => Number.isFinite(r.return));
    if (rs.length < 2) return lift;
    const mean = rs.reduce((a, r) => a + r.return, 0) / rs.length;
    const sd = Math.sqrt(rs.reduce((a, r) => a + (r.return - mean) ** 2, 0) / rs.length);
    if (!(sd > 0)) return lift;
    for (const r of rs) {
      const z = (r.return - mean) / sd;
      for (const c of new Set(r.categories)) lift.set(c, (lift.get(c) ?? 0) + z / rs.length);
    }
    return lift;
  }

  protected override guidance(request: PlanRequest): (id: CategoryId) => number {
    const lift = this.reflectionLift(request);
    return (id) => this.weight * (lift.get(id) ?? 0);
  }
}
