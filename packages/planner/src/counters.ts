/** What an LLM planner counted; plain numbers, safe to JSON. */
export interface PlannerCounters {
  /** Plans returned. */
  plans: number;
  /** Model calls made (one per session, or one per cohort chunk). */
  modelCalls: number;
  /** Plans answered by the model (after validation). */
  fromModel: number;
  /** Plans reused from an earlier step (plan every k). */
  reused: number;
  /** Plans produced by the fallback planner (model failed, or every id it gave was unknown). */
  fallbacks: number;
  /** Category ids in model answers that were not candidates and were dropped. */
  unknownIdsDropped: number;
  /** Ids dropped because the answer listed more than `maxCategories`. */
  truncatedIds: number;
}

export function emptyCounters(): PlannerCounters {
  return { plans: 0, modelCalls: 0, fromModel: 0, reused: 0, fallbacks: 0, unknownIdsDropped: 0, truncatedIds: 0 };
}
