/**
 * The data types every Farsight component exchanges. Components never import each other; they meet
 * only through these shapes, so a user can install one package and use it in their own graph.
 *
 * Identifiers are dense integers (0..n-1) so that the simulator and the policies can index typed arrays
 * directly; names and titles travel beside them for the LLM-facing components.
 */

/** Dense item index, 0..numItems-1. */
export type ItemId = number;
/** Dense category index, 0..numCategories-1. */
export type CategoryId = number;
/** Dense user index, 0..numUsers-1. */
export type UserId = number;

/** One item as LLM-facing code sees it. The simulator uses {@link Catalog}'s typed arrays instead. */
export interface Item {
  readonly id: ItemId;
  /** Primary category: the one plans and masks use. */
  readonly category: CategoryId;
  /** Every category of the item (the primary one first); KuaiRec items, for example, have several tags. */
  readonly categories: readonly CategoryId[];
  readonly title?: string;
}

/**
 * The item catalogue in a column layout. `itemCategory` is the primary category per item;
 * all categories of item i are `categoryIndex[categoryOffsets[i] .. categoryOffsets[i+1])` (CSR).
 */
export interface Catalog {
  readonly numItems: number;
  readonly numCategories: number;
  readonly itemCategory: Int32Array;
  readonly categoryOffsets: Int32Array;
  readonly categoryIndex: Int32Array;
  readonly categoryNames: readonly string[];
  /** Item titles, where the dataset has them (LLM-actor grounding needs them). */
  readonly itemTitles?: readonly string[];
}

/** Feedback on one recommended item, as the environment reports it. */
export interface Interaction {
  readonly item: ItemId;
  readonly category: CategoryId;
  /** Raw feedback: a rating, a 0/1 click, or a watch ratio, depending on the world model. */
  readonly feedback: number;
  /** Step of the session at which the item was shown (0-based). */
  readonly step: number;
}

/** What a component sees of one session before it acts. Small and serialisable. */
export interface Observation {
  /** Stable identifier of the session (unique within a run). */
  readonly sessionId: string;
  readonly userId: UserId;
  /** Steps already taken in this session. */
  readonly step: number;
  /** Most recent interactions, oldest first; at most the history window the producer keeps. */
  readonly history: readonly Interaction[];
  /** Reward collected so far in this session. */
  readonly returnSoFar: number;
  /**
   * What is known of the user before this session, where the env has user profiles: their best logged items
   * (best first, at most a few dozen; a held-out user's fold-in share only, never withheld ratings). Items the
   * user rated in the log, not items recommended in this session.
   */
  readonly userPast?: readonly { readonly item: ItemId; readonly category: CategoryId; readonly rating: number }[];
  /** The user's non-zero features by column name (`gender:women`), where the dataset has user features. */
  readonly userFeatures?: Readonly<Record<string, number>>;
}

/** The items recommended to one session at one step, in rank order. */
export type Slate = readonly ItemId[];

/** Why a session ended. */
export type EndReason = "quit" | "max-steps" | "forced-length" | "budget" | "invalid-action";

/** One environment step of one session. */
export interface Transition {
  readonly sessionId: string;
  readonly userId: UserId;
  readonly step: number;
  readonly slate: Slate;
  /** Feedback per slate position. */
  readonly feedback: readonly number[];
  /** Scalar reward of the step (for slates: the mean feedback, unless the world model says otherwise). */
  readonly reward: number;
  readonly done: boolean;
  readonly endReason?: EndReason;
  /** The plan that constrained this step, if any. */
  readonly plan?: Plan;
}

/** One step of a finished session, as kept in an {@link Episode}. */
export interface EpisodeStep {
  readonly slate: Slate;
  /** Primary category per slate position. */
  readonly categories: readonly CategoryId[];
  readonly feedback: readonly number[];
  readonly reward: number;
  readonly planCategories?: readonly CategoryId[];
  readonly thought?: string;
}

/** A finished session. */
export interface Episode {
  readonly sessionId: string;
  readonly userId: UserId;
  readonly steps: readonly EpisodeStep[];
  /** Sum of step rewards, the quitting step included. */
  readonly return: number;
  /** Number of steps, the quitting step included. */
  readonly length: number;
  readonly endReason: EndReason;
}

/** How a plan, reflection, value or action was produced: for accounting and honest ablations. */
export interface Provenance {
  /** `llm`: a model answered; `heuristic`: non-LLM code; `fallback`: the LLM failed and a fallback answered; `cache`: replayed. */
  readonly kind: "llm" | "heuristic" | "learned" | "fallback" | "cache" | "human";
  /** Model or implementation name. */
  readonly by: string;
  /** Free-form detail, e.g. why a fallback was used. */
  readonly detail?: string;
}

/** A high-level plan for one session: a category subset (LERL) and/or a textual sub-goal (BiLLP). */
export interface Plan {
  /** Non-empty subset of category ids the low level must recommend from. */
  readonly categories: readonly CategoryId[];
  /** BiLLP-style textual sub-goal. */
  readonly thought?: string;
  readonly rationale?: string;
  readonly source: Provenance;
}

/** A short lesson written after a session ended, stored in a reflection pool. */
export interface Reflection {
  readonly text: string;
  /** Return of the session the reflection describes (used for softmax-by-return sampling). */
  readonly return: number;
  readonly length: number;
  /** Categories the session saw, in order of first appearance. */
  readonly categories: readonly CategoryId[];
  readonly sessionId?: string;
  readonly userId?: UserId;
  readonly endReason?: EndReason;
  readonly source: Provenance;
}

/**
 * Anything that can score (user, item) pairs: a reward matrix, a learned world model, a value function.
 * Non-LLM actors (e.g. catalogue-greedy) and baselines use it without depending on `@farsight/env`.
 */
export interface ItemScorer {
  readonly numUsers: number;
  readonly numItems: number;
  /** Writes the score of every item for `user` into `out` (length numItems) and returns it. */
  scoreAll(user: UserId, out?: Float32Array): Float32Array;
}
