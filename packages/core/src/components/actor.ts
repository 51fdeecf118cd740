import type { ItemId, Observation, Plan, Provenance, Slate } from "../types.js";

/** What an actor is asked: pick items for one session at one step. */
export interface ActRequest {
  readonly observation: Observation;
  /** The planner's sub-goal: categories (used to retrieve candidates and mask) and/or a thought. */
  readonly plan?: Plan;
  /** Items that must not be returned, e.g. everything already recommended in this session. */
  readonly exclude?: readonly ItemId[];
  /** Number of items to return (slate size). Default 1, as in BiLLP. */
  readonly k?: number;
  readonly signal?: AbortSignal;
}

/** How a named item became a catalogue item. */
export type GroundingMethod =
  /** The text equals a title. */
  | "exact"
  /** Equal after normalisation (case, accents, punctuation, spacing): the same item, not a replacement. */
  | "normalised"
  /** Closest title by token overlap / edit distance above the threshold. */
  | "fuzzy"
  /** Nearest title by embedding cosine similarity. */
  | "embedding"
  /** Nothing usable was named; the actor filled the slot from its candidates. */
  | "fallback"
  /** A non-LLM actor chose the item id itself: nothing to ground. */
  | "direct";

/** One grounding of free text (a title the model named) to a catalogue item. */
export interface GroundingResult {
  /** What the model named (empty when it named nothing usable). */
  readonly text: string;
  /** The chosen item, or null when grounding found none (the caller then falls back). */
  readonly item: ItemId | null;
  readonly method: GroundingMethod | "none";
  /** Similarity of the text to the chosen item's title, 0..1 (1 for exact). */
  readonly score: number;
  /** True when the item differs from what was named (BiLLP: "[X] can not be recommended, instead, recommend[Y]"). */
  readonly replaced: boolean;
  /** Why a replacement happened, e.g. "already recommended", "unknown title", "outside the plan". */
  readonly reason?: string;
}

/** An actor's answer. */
export interface ActDecision {
  /** Chosen items in rank order, distinct, none excluded, length k unless the catalogue ran out. */
  readonly slate: Slate;
  /** One entry per slate position: how that item was obtained. */
  readonly grounding: readonly GroundingResult[];
  /** Who decided: `llm`, `heuristic`, or `fallback` when the model's answer gave no usable item. */
  readonly source: Provenance;
  /** The model's raw answer (LLM actors). */
  readonly raw?: string;
  /** Memory hints that went into the prompt (LLM actors), for trajectory logs. */
  readonly hints?: readonly string[];
}

/** Micro-level feedback for one step: BiLLP marks the item +1 / -1 by the sign of the advantage. */
export interface ActorExperience {
  /** The observation the item was chosen in (s_t). */
  readonly observation: Observation;
  readonly item: ItemId;
  /** A = r + gamma V(s') - V(s). */
  readonly advantage: number;
}

/**
 * Turns a plan and a session's history into items. Implementations: {@link LlmActor} (any LangChain chat model)
 * and {@link CatalogGreedyActor} (non-LLM, the IL-Rec offline teacher).
 */
export interface Actor {
  readonly name: string;
  act(request: ActRequest): Promise<ActDecision>;
  /** Learns from the advantage of an action (actor memory). Actors that do not learn omit it. */
  learn?(experience: ActorExperience): void;
}
