import type { CategoryId, ItemId, Plan, Reflection, UserId } from "../types.js";

/** One candidate category as the planner (and the LLM prompt) sees it. */
export interface CategoryOption {
  readonly id: CategoryId;
  /** Human-readable name where the dataset has one (`Catalog.categoryNames`); the prompt shows it beside the id. */
  readonly name?: string;
}

/**
 * What was known of the user before the session (issue 27), from `Observation.userPast` / `userFeatures`: the
 * categories of their best logged items, most frequent first, and their features. Absent when the env has no
 * user profiles.
 */
export interface UserSummary {
  /** Logged items the summary reads (the user's best ones). */
  readonly pastItems: number;
  /** Categories among those items: how many, and their mean logged rating, most frequent first (at most 5). */
  readonly topCategories: readonly { readonly id: CategoryId; readonly name?: string; readonly count: number; readonly meanRating: number }[];
  /** The user's non-zero feature names (`gender:women`), where the dataset has user features. */
  readonly features: readonly string[];
}

/**
 * One past slate at category level: what LERL's prompt calls the user's interaction history.
 * Built from `Observation.history` by {@link slatesFromHistory}.
 */
export interface SlateSummary {
  /** Session step at which the slate was shown (0-based). */
  readonly step: number;
  /** Primary category per slate position, in rank order. */
  readonly categories: readonly CategoryId[];
  /** Raw feedback per slate position (rating, click or watch ratio: whatever the world model reports). */
  readonly feedback: readonly number[];
}

/**
 * The items of one past slate. Only planners that reason about items read them (the item-rule oracle:
 * item-distance quit rules look at items, not categories); the prompts of the LLM planners do not show them.
 */
export interface ItemSlate {
  /** Session step at which the slate was shown (0-based). */
  readonly step: number;
  /** Item ids in rank order. */
  readonly items: readonly ItemId[];
}

/** The last plan a session followed, handed back so that plan-every-k can reuse it without planner state. */
export interface PreviousPlan {
  readonly plan: Plan;
  /** Step at which the plan was made. */
  readonly step: number;
}

/**
 * Everything a planner needs about one session, built from an environment slot and core types only
 * (see {@link buildPlanRequest}). Small and serialisable, so it can live in graph state.
 */
export interface PlanRequest {
  readonly sessionId: string;
  readonly userId?: UserId;
  /** Steps already taken in the session (the plan is for this step). */
  readonly step: number;
  /** The categories the plan may choose from (ids and names). Must be non-empty. */
  readonly candidates: readonly CategoryOption[];
  /** Category-level history: the last H slates, oldest first (H = 5 in LERL). Empty for a new session. */
  readonly history: readonly SlateSummary[];
  /** Names of categories that occur in `history` but are not candidates (so the prompt can still name them). */
  readonly otherCategories?: readonly CategoryOption[];
  /** Reflections sampled (LERL) or retrieved (BiLLP) for this session; may be empty. */
  readonly reflections: readonly Reflection[];
  /** Reward collected so far in the session. */
  readonly returnSoFar?: number;
  /** What was known of the user before the session (their best logged items' categories, features). */
  readonly user?: UserSummary;
  /**
   * The item ids of every slate the environment keeps for the session (its `Observation.history`, not cut to
   * `history`'s H slates), oldest first. Absent when the caller built the request without items; the
   * item-rule oracle then sees an empty window.
   */
  readonly itemHistory?: readonly ItemSlate[];
  /**
   * The plan in force for this session and the step it was made at, if the caller keeps it (plan-every-k reuses
   * it). The planner's own memory wins when it has the session; a `cache` plan (itself a reuse) is ignored.
   */
  readonly previous?: PreviousPlan;
}

/** Per-call options. */
export interface PlanCallOptions {
  readonly signal?: AbortSignal;
}

/**
 * A high-level planner: for a batch of sessions, one {@link Plan} each (same order), whose `categories` are a
 * non-empty subset of that session's candidates and whose `source` says how it was produced
 * (`llm`, `heuristic`, `fallback`, `cache`).
 */
export interface Planner {
  /** Implementation name, used in provenance and reports. */
  readonly name: string;
  /** True only for planners that call a language model. */
  readonly usesLlm: boolean;
  /**
   * True when the planner reads something a deployed planner cannot see (the simulator's quit rule, the
   * ground truth). Its results are a reference, not a method, and reports must label them so. Absent = false.
   */
  readonly oracle?: boolean;
  plan(requests: readonly PlanRequest[], options?: PlanCallOptions): Promise<Plan[]>;
  /** Drops per-session memory (the plan-every-k cache) of sessions that ended; all sessions when omitted. */
  forget?(sessionIds?: readonly string[]): void;
}
