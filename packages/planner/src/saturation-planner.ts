import type { CategoryId, CategoryOption, Plan, Planner, PlanRequest } from "@farsight/core";
import { assertPlannable } from "./request.js";
import { sessionRng } from "./simple-planners.js";

export interface SaturationAwarePlannerOptions {
  /** Seed of the tie-breaking jitter. Default 0. */
  readonly seed?: number;
  /** Categories per plan (capped by the candidates that are not saturated). Default 3. */
  readonly numCategories?: number;
  /** Recent window, in slates, in which saturation is measured. Default 2. */
  readonly windowSlates?: number;
  /** A category is saturated when it fills more than this share of the items in the recent window... Default 0.34. */
  readonly saturationShare?: number;
  /** ...and was shown at least this many times there (one showing is not a repetition). Default 2. */
  readonly minRepeats?: number;
  /** Pseudo-count pulling a category's mean feedback towards the session's mean (shrinkage). Default 2. */
  readonly priorStrength?: number;
  /**
   * Optimism for little-seen categories, as a fraction of the session's feedback range, divided by
   * sqrt(1 + times seen). Keeps the plan exploring instead of locking onto the first liked category. Default 0.3.
   */
  readonly exploreBonus?: number;
  /**
   * Opt-in (default 0, not yet measured): weight of the user's logged past (`PlanRequest.user`), in units of the
   * session's feedback range: a category gets `userPrior x` its share of the user's best logged items, so a new
   * session starts from what the user liked before instead of from nothing.
   */
  readonly userPrior?: number;
}

/** One category's evidence in one session. */
export interface CategoryEvidence {
  readonly id: CategoryId;
  readonly seen: number;
  /** Shrunk mean feedback (session mean when unseen). */
  readonly interest: number;
  /** Share of the recent window's items in this category. */
  readonly recentShare: number;
  readonly saturated: boolean;
  /**
   * What other sessions say about this category, in units of the session's feedback range (0 for the plain
   * saturation-aware planner; the reflection-guided planner's return lift).
   */
  readonly guidance: number;
  /** Share of the user's best logged items in this category (0 without a user summary). */
  readonly userShare: number;
  /** Ranking score: interest plus exploration bonus plus guidance plus the user prior. */
  readonly score: number;
}

/**
 * The judgement LERL asks the LLM to make, done with arithmetic: estimate the session's interest per category
 * from its feedback (shrunk towards the session mean), drop categories that saturated the recent window
 * (the repetition that makes users leave under temper and window quit rules), and keep the best-scoring rest.
 */
export class SaturationAwarePlanner implements Planner {
  readonly name: string = "saturation-aware";
  readonly usesLlm = false;
  /** Reads only the session's own history: no quit rule, no ground truth. */
  readonly oracle: boolean = false;
  private readonly o: Required<SaturationAwarePlannerOptions>;

  constructor(options: SaturationAwarePlannerOptions = {}) {
    this.o = {
      seed: options.seed ?? 0,
      numCategories: Math.max(1, options.numCategories ?? 3),
      windowSlates: Math.max(1, options.windowSlates ?? 2),
      saturationShare: options.saturationShare ?? 0.34,
      minRepeats: Math.max(1, options.minRepeats ?? 2),
      priorStrength: Math.max(0, options.priorStrength ?? 2),
      exploreBonus: Math.max(0, options.exploreBonus ?? 0.3),
      userPrior: Math.max(0, options.userPrior ?? 0),
    };
  }

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map((r) => this.planOne(r));
  }

  /**
   * Extra per-category score from outside the session (subclasses; none here), scaled by the session's
   * feedback range so it competes with interest on the same footing.
   */
  protected guidance(_request: PlanRequest): (id: CategoryId) => number {
    return () => 0;
  }

  /** A note on the plan's provenance (subclasses say what else they read). */
  protected sourceDetail(): string | undefined {
    return undefined;
  }

  /** The per-category evidence behind a plan (exported for inspection and tests). */
  evidence(request: PlanRequest): CategoryEvidence[] {
    const all = request.history.flatMap((s) => s.feedback.map((f, i) => ({ c: s.categories[i]!, f })));
    const finite = all.filter((x) => Number.isFinite(x.f));
    const sessionMean = finite.length ? finite.reduce((a, x) => a + x.f, 0) / finite.length : 0;
    let lo = Infinity, hi = -Infinity;
    for (const x of finite) { lo = Math.min(lo, x.f); hi = Math.max(hi, x.f); }
    const range = finite.length && hi > lo ? hi - lo : 1;
    const recent = request.history.slice(-this.o.windowSlates).flatMap((s) => s.categories);
    const guidanceOf = this.guidance(request);
    const past = request.user?.pastItems ?? 0;
    const userShareOf = (id: CategoryId) => (past > 0 ? (request.user!.topCategories.find((c) => c.id === id)?.count ?? 0) / past : 0);
    return request.candidates.map(({ id }) => {
      const mine = finite.filter((x) => x.c === id);
      const sum = mine.reduce((a, x) => a + x.f, 0);
      const interest = (sum + this.o.priorStrength * sessionMean) / (mine.length + this.o.priorStrength || 1);
      const recentCount = recent.filter((c) => c === id).length;
      const recentShare = recent.length ? recentCount / recent.length : 0;
      const guidance = guidanceOf(id);
      const userShare = userShareOf(id);
      const score = interest + (this.o.exploreBonus * range) / Math.sqrt(1 + mine.length) + guidance * range + this.o.userPrior * userShare * range;
      return { id, seen: mine.length, interest, recentShare, saturated: recentShare > this.o.saturationShare && recentCount >= this.o.minRepeats, guidance, userShare, score };
    });
  }

  private planOne(request: PlanRequest): Plan {
    assertPlannable(request);
    const rng = sessionRng(this.o.seed, this.name, request);
    // Jitter far below any feedback difference: only breaks exact ties, reproducibly.
    const ev = this.evidence(request).map((e) => ({ e, tie: rng.float() }));
    const fresh = ev.filter((x) => !x.e.saturated);
    let chosen: typeof ev;
    if (fresh.length > 0) {
      chosen = fresh.sort((a, b) => b.e.score - a.e.score || b.tie - a.tie).slice(0, this.o.numCategories);
    } else {
      // Everything is saturated (e.g. a one-category catalogue): the least saturated category.
      chosen = ev.sort((a, b) => a.e.recentShare - b.e.recentShare || b.e.score - a.e.score || b.tie - a.tie).slice(0, 1);
    }
    const names = new Map<CategoryId, string>(request.candidates.map((c: CategoryOption) => [c.id, c.name ?? `#${c.id}`]));
    const saturated = ev.filter((x) => x.e.saturated).map((x) => `${names.get(x.e.id)} (${Math.round(x.e.recentShare * 100)}% of recent items)`);
    const picked = chosen.map((x) => `${names.get(x.e.id)} interest ${x.e.interest.toFixed(2)} over ${x.e.seen} items${x.e.guidance !== 0 ? `, reflections ${x.e.guidance > 0 ? "+" : ""}${x.e.guidance.toFixed(2)}` : ""}`);
    const rationale = `chose ${picked.join("; ")}` + (saturated.length ? `; avoided saturated ${saturated.join(", ")}` : "");
    const detail = this.sourceDetail();
    return {
      categories: chosen.map((x) => x.e.id),
      rationale,
      source: { kind: "heuristic", by: this.name, ...(detail ? { detail } : {}) },
    };
  }
}
