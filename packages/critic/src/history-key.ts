import type { ItemId, Observation } from "@farsight/core";

/**
 * The key of a state for critic memory and tabular critics: its last `window` items, oldest first (BiLLP's
 * memory keys are "The user viewing history is [last 10 items]"). The same scheme as `@farsight/llm-actor`'s
 * actor memory, repeated here because components do not import each other.
 */
export function recentItems(observation: Observation, window: number): ItemId[] {
  return observation.history.slice(-window).map((h) => h.item);
}

/** Jaccard similarity of two item lists as sets; 1 for two empty lists. */
export function itemJaccard(a: readonly ItemId[], b: readonly ItemId[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}
