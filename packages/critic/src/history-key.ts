/**
 * State keys of critic memory and tabular critics: the last `window` items, oldest first (BiLLP's memory keys),
 * compared by Jaccard similarity. Shared with `@farsight/llm-actor`'s actor memory through `@farsight/core`.
 */
export { recentItems, jaccard as itemJaccard } from "@farsight/core";
