/**
 * What a quit-aware oracle planner may read of a preset, as plain data: the category part of its quit rule
 * (category window, LERL's temper), or for item rules (the distance window of Coat and MovieLens) a function
 * that says, per category, the best item the rule lets through now. `@farsight/planner`'s oracles take these
 * without importing this package (the shapes match structurally); `@farsight/graph`'s `quitAwareOraclePlanner`
 * puts the two together. Everything here reads the simulator's rule and world: oracle knowledge, for
 * references and for planners of known quality, never for a method.
 */
import { FarsightError, type CategoryId, type ItemScorer, type UserId } from "@farsight/core";
import type { EnvSetup } from "./presets.js";
import { CategoryWindowRule, DistanceWindowRule, TemperRule, windowStart, type QuitRule } from "./quit.js";

/** The category part of a quit rule (the shape of `@farsight/planner`'s `CategoryQuitRule`). */
export type CategoryRuleKnowledge = { readonly kind: "category-window"; readonly window: number; readonly threshold: number } | { readonly kind: "temper" };

/** What the preset's rules are, read from fresh rule instances (`setup.makeRules()`). */
export type QuitRuleKnowledge =
  | { readonly kind: "category"; readonly rule: CategoryRuleKnowledge }
  | { readonly kind: "item"; readonly rules: readonly DistanceWindowRule[] }
  | { readonly kind: "unsupported"; readonly rules: readonly string[] };

/**
 * Classifies a preset's quit rules for the oracles: one category window or LERL's temper is a category rule;
 * distance windows are item rules; anything else (KuaiSim's click-driven temper, mixtures) has no oracle here.
 */
export function quitRuleKnowledge(setup: Pick<EnvSetup, "makeRules">): QuitRuleKnowledge {
  const rules = setup.makeRules();
  const only = rules.length === 1 ? rules[0] : undefined;
  if (only instanceof CategoryWindowRule) return { kind: "category", rule: { kind: "category-window", window: only.options.window, threshold: only.options.threshold } };
  if (only instanceof TemperRule) {
    // The category oracle dodges repeats, which is all LERL's temper charges extra for at its default costs.
    return { kind: "category", rule: { kind: "temper" } };
  }
  if (rules.length > 0 && rules.every((r): r is DistanceWindowRule => r instanceof DistanceWindowRule)) return { kind: "item", rules };
  return { kind: "unsupported", rules: rules.map((r: QuitRule) => r.name) };
}

/** One past slate's items (the shape of `@farsight/planner`'s `ItemSlate`). */
export interface ItemSlateLike {
  readonly step: number;
  readonly items: readonly number[];
}

/** The question an item-rule oracle asks (the shape of `@farsight/planner`'s `ItemRuleQuery`). */
export interface ItemRuleQueryLike {
  readonly userId?: UserId;
  readonly step: number;
  readonly itemHistory: readonly ItemSlateLike[];
  readonly categories: readonly CategoryId[];
}

/** Per category, its best safe item (the shape of `@farsight/planner`'s `CategoryOutlook`). */
export interface CategoryOutlookLike {
  readonly safeValue: number | null;
  readonly bestValue: number | null;
  readonly safeItems: number;
  readonly bestIsSafe: boolean;
}

export interface ItemRuleKnowledgeOptions {
  /**
   * The values the oracle ranks items by: the static expected feedback of the world the simulator it plans for
   * uses (`sim.scorer`). Default: the preset's ground truth (`setup.groundTruth.scorer`), the world of the
   * evaluation simulator; a training simulator on the predicted world passes its own scorer.
   */
  readonly scorer?: ItemScorer;
  /** Name of that world, for provenance. Default: the ground truth's name, or "the given scorer". */
  readonly worldName?: string;
}

/** An item-rule oracle's knowledge of a preset. */
export interface ItemRuleKnowledgeTable {
  /** Per candidate category (same order as `query.categories`), its best unshown item and best safe one. */
  readonly knowledge: (query: ItemRuleQueryLike) => CategoryOutlookLike[];
  /** Per item of the catalogue: 1 when it was not shown in the query's history and the rules let it through now. */
  readonly safeItems: (query: Pick<ItemRuleQueryLike, "userId" | "step" | "itemHistory">) => Uint8Array;
  /** What the knowledge reads, one line (for the planner's provenance). */
  readonly reads: string;
}

/**
 * The knowledge of an item-distance oracle for a preset whose quit rules are distance windows: an item is safe
 * when it was not shown in the history the query carries, lies at distance >= theta from every item of the
 * rule's last N steps (the rule's own metric, window start and compat), and, where the rule sets `minReward`,
 * is worth at least that to the user under the scorer (feedback is the expected value on the rating presets).
 * Throws `env/bad-option` for presets whose rules are not distance windows (see {@link quitRuleKnowledge}).
 */
export function itemRuleKnowledge(setup: Pick<EnvSetup, "name" | "catalog" | "makeRules" | "groundTruth">, options: ItemRuleKnowledgeOptions = {}): ItemRuleKnowledgeTable {
  const k = quitRuleKnowledge(setup);
  if (k.kind !== "item") {
    const what = k.kind === "category" ? `a category rule (${k.rule.kind})` : `rules without an item oracle (${k.rules.join(", ")})`;
    throw new FarsightError("env/bad-option", `preset ${setup.name}: the item-rule oracle reads distance-window quit rules, but this preset has ${what}`, { preset: setup.name });
  }
  const rules = k.rules;
  const scorer = options.scorer ?? setup.groundTruth.scorer;
  const worldName = options.worldName ?? (options.scorer ? "the given scorer" : setup.groundTruth.name);
  const { numItems, itemCategory } = setup.catalog;
  const values = new Float32Array(numItems);

  const safeItems = (query: Pick<ItemRuleQueryLike, "userId" | "step" | "itemHistory">): Uint8Array => {
    if (query.userId === undefined) throw new FarsightError("env/bad-option", `the item-rule oracle needs the session's user (step ${query.step}): the plan request has no userId`, {});
    scorer.scoreAll(query.userId, values);
    const safe = new Uint8Array(numItems).fill(1);
    for (const s of query.itemHistory) for (const i of s.items) safe[i] = 0;
    for (const rule of rules) {
      const { window, theta, minReward, minRewardSkipsFirstStep, compat } = rule.options;
      const from = windowStart(query.step, window, compat ?? "none");
      const recent = query.itemHistory.filter((s) => s.step >= from && s.step < query.step).flatMap((s) => s.items);
      const floor = minReward !== undefined && !(query.step === 0 && minRewardSkipsFirstStep) ? minReward : -Infinity;
      for (let i = 0; i < numItems; i++) {
        if (!safe[i]) continue;
        if (values[i]! < floor || recent.some((w) => rule.dist(i, w) < theta)) safe[i] = 0;
      }
    }
    return safe;
  };

  const knowledge = (query: ItemRuleQueryLike): CategoryOutlookLike[] => {
    const safe = safeItems(query);
    const shown = new Set(query.itemHistory.flatMap((s) => s.items));
    const best = new Map<CategoryId, { safeValue: number | null; bestValue: number | null; safeItems: number; bestIsSafe: boolean }>();
    for (const c of query.categories) best.set(c, { safeValue: null, bestValue: null, safeItems: 0, bestIsSafe: false });
    for (let i = 0; i < numItems; i++) {
      const o = best.get(itemCategory[i]!);
      if (!o || shown.has(i)) continue;
      const v = values[i]!;
      // Every item tied at the top must be safe: a low level that takes the best item may take any of them.
      if (o.bestValue === null || v > o.bestValue) {
        o.bestValue = v;
        o.bestIsSafe = safe[i] === 1;
      } else if (v === o.bestValue && !safe[i]) o.bestIsSafe = false;
      if (safe[i]) {
        o.safeItems++;
        if (o.safeValue === null || v > o.safeValue) o.safeValue = v;
      }
    }
    return query.categories.map((c) => ({ ...best.get(c)! }));
  };

  const ruleText = rules.map((r) => `distance-window rule (window ${r.options.window}, theta ${r.options.theta}${r.options.minReward !== undefined ? `, min reward ${r.options.minReward}` : ""})`).join(" and ");
  return { knowledge, safeItems, reads: `the ${ruleText} and ${worldName}` };
}
