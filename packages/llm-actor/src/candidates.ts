import { itemsInCategories, type Catalog, type CategoryId, type ItemId, type Plan } from "@farsight/core";

/** The items an actor may choose from for a plan, and whether the plan had to be widened. */
export interface PlanCandidates {
  /** Allowed items, ascending ids. */
  readonly items: ItemId[];
  /** The plan's valid categories (out-of-range ids dropped); empty when the whole catalogue is used. */
  readonly categories: CategoryId[];
  /**
   * Why the candidates are not exactly the plan's categories: "no plan", "no valid category in the plan",
   * "plan exhausted" (every item of the plan's categories is excluded). Undefined when they are.
   */
  readonly widened?: string;
}

/**
 * Items in the plan's categories minus the excluded ones. A missing plan, a plan with only invalid
 * categories, or one whose items are all excluded widens to the whole catalogue (reported, never silent).
 */
export function planCandidates(catalog: Catalog, plan: Plan | undefined, exclude: ReadonlySet<ItemId>): PlanCandidates {
  const categories = (plan?.categories ?? []).filter((c) => Number.isInteger(c) && c >= 0 && c < catalog.numCategories);
  const all = (): ItemId[] => {
    const out: ItemId[] = [];
    for (let i = 0; i < catalog.numItems; i++) if (!exclude.has(i)) out.push(i);
    return out;
  };
  if (!plan || plan.categories.length === 0) return { items: all(), categories: [], widened: "no plan" };
  if (categories.length === 0) return { items: all(), categories: [], widened: "no valid category in the plan" };
  const inPlan = Array.from(itemsInCategories(catalog, categories)).filter((i) => !exclude.has(i));
  if (inPlan.length === 0) return { items: all(), categories, widened: "plan exhausted" };
  return { items: inPlan, categories };
}
