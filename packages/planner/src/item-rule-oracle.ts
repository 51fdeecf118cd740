import type { CategoryId, ItemSlate, Plan, Planner, PlanRequest, UserId } from "@farsight/core";
import { assertPlannable } from "./request.js";
import { sessionRng } from "./simple-planners.js";

/** What the item-rule oracle asks about one session (plain data, built from a {@link PlanRequest}). */
export interface ItemRuleQuery {
  readonly userId?: UserId;
  /** Steps already taken: the next slate is shown at this step. */
  readonly step: number;
  /** The items of the slates the request carries (`PlanRequest.itemHistory`), oldest first. */
  readonly itemHistory: readonly ItemSlate[];
  /** The candidate categories, in the request's order. */
  readonly categories: readonly CategoryId[];
}

/** What the simulator's rule and world say about one candidate category of one session. */
export interface CategoryOutlook {
  /**
   * The value for the user (expected feedback under the world the oracle reads) of the category's best item
   * that was not shown in the history and that the quit rule would let through now; null when every such item
   * would end the session (or the category has none).
   */
  readonly safeValue: number | null;
  /** The value of the category's best unshown item, safe or not; null when it has none. */
  readonly bestValue: number | null;
  /** Unshown items of the category that the rule lets through now (how much room the low level has). */
  readonly safeItems: number;
  /**
   * True when every unshown item tied at `bestValue` is safe: a low level that takes the category's best item
   * stays in the session whichever of the ties it takes. Rating worlds (Coat's 1..5) have many ties, so a safe
   * best-safe item is no guarantee that the greedy choice is safe. Absent = false.
   */
  readonly bestIsSafe?: boolean;
}

/**
 * The knowledge an item-rule oracle plans from: for a session, one {@link CategoryOutlook} per candidate
 * category (same order as `query.categories`). Built outside this package from the simulator's quit rule and
 * world (`itemRuleKnowledge` of `@farsight/env`), so the planner reads plain data and imports no environment.
 */
export type ItemRuleKnowledge = (query: ItemRuleQuery) => readonly CategoryOutlook[];

export interface ItemRuleOraclePlannerOptions {
  readonly knowledge: ItemRuleKnowledge;
  /** Categories per plan (capped by the categories that still hold a safe item). Default 3. */
  readonly numCategories?: number;
  /** Seed of the tie-breaking jitter. Default 0. */
  readonly seed?: number;
  /** What the knowledge reads, for provenance (e.g. "distance-window rule and the coat ground truth"). */
  readonly reads?: string;
}

/**
 * **Oracle** for quit rules about items (the item-distance window of Coat and MovieLens: the user leaves when
 * the new item lies closer than theta to one of the last N items, or its feedback is below a floor). It plans
 * categories from what the simulator's rule and world say (through {@link ItemRuleKnowledge}): first the
 * categories whose best items are all safe (a low level that takes the best item stays), by that value; then the
 * categories that hold some safe item, by the value of the best one; when no category holds a safe item, the one
 * with the best item. Unlike
 * a category rule, an item rule cannot be dodged by categories alone: the low level may still pick an unsafe
 * item inside a planned category, so this oracle bounds what a category planner can know, not what it can
 * guarantee. No deployed planner reads the rule or the world: a reference, not a method (`oracle: true`).
 * It sees the items of `PlanRequest.itemHistory` (the environment's history, 10 slates by default); an item
 * shown before that counts as unshown.
 */
export class ItemRuleOraclePlanner implements Planner {
  readonly name: string = "oracle-item-rule";
  readonly usesLlm = false;
  readonly oracle: boolean = true;
  private readonly knowledge: ItemRuleKnowledge;
  private readonly numCategories: number;
  private readonly seed: number;
  private readonly reads: string;

  constructor(options: ItemRuleOraclePlannerOptions) {
    this.knowledge = options.knowledge;
    this.numCategories = Math.max(1, options.numCategories ?? 3);
    this.seed = options.seed ?? 0;
    this.reads = options.reads ?? "the item quit rule and the world";
  }

  async plan(requests: readonly PlanRequest[]): Promise<Plan[]> {
    return requests.map((r) => this.planOne(r));
  }

  /** The knowledge's outlook of every candidate of a request (for inspection and tests). */
  outlook(request: PlanRequest): readonly CategoryOutlook[] {
    const categories = request.candidates.map((c) => c.id);
    const out = this.knowledge({ ...(request.userId !== undefined ? { userId: request.userId } : {}), step: request.step, itemHistory: request.itemHistory ?? [], categories });
    if (out.length !== categories.length) throw new RangeError(`item-rule knowledge answered ${out.length} outlooks for ${categories.length} candidate categories (session ${request.sessionId})`);
    return out;
  }

  private planOne(request: PlanRequest): Plan {
    assertPlannable(request);
    const rng = sessionRng(this.seed, this.name, request);
    const ev = this.outlook(request).map((o, i) => ({ id: request.candidates[i]!.id, o, tie: rng.float() }));
    type Ev = (typeof ev)[number];
    const safe = ev.filter((x) => x.o.safeValue !== null);
    // Top-safe categories first (their best item is safe whichever tie is taken), then by the best safe item.
    const tier = (x: Ev) => (x.o.bestIsSafe && x.o.bestValue !== null ? 1 : 0);
    const bySafe = (a: Ev, b: Ev) => tier(b) - tier(a) || b.o.safeValue! - a.o.safeValue! || b.tie - a.tie;
    const byBest = (a: Ev, b: Ev) => (b.o.bestValue ?? -Infinity) - (a.o.bestValue ?? -Infinity) || b.tie - a.tie;
    const chosen = safe.length > 0 ? safe.sort(bySafe).slice(0, this.numCategories) : ev.sort(byBest).slice(0, 1);
    const rationale = safe.length > 0
      ? `categories whose best safe item is worth most: ${chosen.map((x) => `#${x.id} ${x.o.safeValue!.toFixed(2)} (${x.o.safeItems} safe items${tier(x) ? ", best items all safe" : ""})`).join("; ")}`
      : `no category holds an item the quit rule lets through; the best item's category #${chosen[0]!.id}`;
    return { categories: chosen.map((x) => x.id), rationale, source: { kind: "heuristic", by: this.name, detail: `oracle: reads ${this.reads}` } };
  }
}
