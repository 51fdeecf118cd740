import type { ItemId, Observation } from "./types.js";

/**
 * The last `window` items of a session, oldest first: the state key of BiLLP's actor and critic memories
 * ("The user viewing history is [last 10 items]") and of tabular critics.
 */
export function recentItems(observation: Observation, window: number): ItemId[] {
  return observation.history.slice(-window).map((h) => h.item);
}

/** Jaccard similarity of two lists taken as sets; 1 for two empty lists. */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}
