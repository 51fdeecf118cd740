/**
 * The environment protocol: what policies, agents and the graph build on.
 *
 * A {@link VecEnv} runs B concurrent user sessions. Each step takes one slate of K item ids per session
 * (a flat `Int32Array` of B*K ids, slot-major) and writes the answers into typed arrays that the env owns
 * and reuses: read them after `step()`, copy what you need to keep. Nothing in the hot path allocates.
 *
 * Layouts (b = slot 0..B-1, k = slate position 0..K-1, h = history row 0..H-1):
 * - slate / feedback:      index `b*K + k`
 * - history items/feedback: index `(b*H + h)*K + k`, history reward: `b*H + h`, where the row of session
 *   step s is `h = s % H` (a ring buffer). Rows `max(0, steps[b]-H) .. steps[b]-1` are valid.
 */
import type { Catalog, EndReason, ItemScorer, Observation, UserId } from "@farsight/core";
import type { UserProfiles } from "./user-profiles.js";

/** End reason codes as stored in {@link VecEnv.endCode}; `END_REASONS[code]` maps to the core type. */
export const EndCode = {
  /** Session still running (or slot idle). */
  None: 0,
  /** The quit rule fired (the step's reward is still paid and the step is counted). */
  Quit: 1,
  /** `t >= maxSteps - 1`: the session reached its step limit. */
  MaxSteps: 2,
  /** NX_10: the session was forced to its fixed length (the quit rule is off in that mode). */
  ForcedLength: 3,
  /** The slate had an id out of range, or repeated an item in an NX mode. */
  InvalidAction: 4,
} as const;
export type EndCode = (typeof EndCode)[keyof typeof EndCode];

/** Core {@link EndReason} per {@link EndCode}; index 0 (still running) is `undefined`. */
export const END_REASONS: readonly (EndReason | undefined)[] = [undefined, "quit", "max-steps", "forced-length", "invalid-action"];

/**
 * Evaluation modes of EasyRL4Rec / DORL.
 * - `FB`: repeats allowed, quit rule on.
 * - `NX_0`: an item may be recommended at most once per session (repeats end the session as
 *   `InvalidAction`; agents should mask with {@link VecEnv.wasRecommended}), quit rule on.
 * - `NX_10`: no repeats, quit rule off, every session lasts exactly 10 steps.
 */
export type EvalMode = "FB" | "NX_0" | "NX_10";

/** The arrays one `step()` wrote. The same object (and arrays) is returned by every call. */
export interface VecStepResult {
  /** Per-session reward of this step (the slate aggregate of `feedback`), length B. */
  readonly reward: Float32Array;
  /** Per-item feedback (rating, 0/1 click, ...), length B*K. */
  readonly feedback: Float32Array;
  /** 1 where the session ended at this step, length B. */
  readonly done: Uint8Array;
  /** {@link EndCode} per slot, 0 where not done, length B. */
  readonly endCode: Uint8Array;
  /**
   * Return and length of the session that ended in a slot at this step (valid where `done[b]`), because
   * with `autoReset` the slot's live counters already belong to the replacement user.
   */
  readonly finalReturn: Float32Array;
  readonly finalLength: Int32Array;
  /** User whose session ended in the slot (valid where `done[b]`). */
  readonly finalUser: Int32Array;
  /** Slots that received a new user after this step (autoReset only): `resetSlots[0..numReset)`. */
  readonly resetSlots: Int32Array;
  readonly numReset: number;
}

/** A batched simulator over B concurrent sessions with slates of K items. */
export interface VecEnv {
  /** Number of concurrent sessions (slots). */
  readonly batchSize: number;
  /** Items per slate. */
  readonly slateSize: number;
  /** Rows of per-slot history kept (H). */
  readonly historyLength: number;
  /** Step limit per session (`maxSteps`; NX_10 forces 10). */
  readonly maxSteps: number;
  readonly mode: EvalMode;
  readonly numUsers: number;
  readonly numItems: number;
  readonly catalog: Catalog;
  /** Item feature vectors, row-major numItems x embeddingDim, when the world model has them. */
  readonly itemEmbeddings: Float32Array | undefined;
  readonly embeddingDim: number;
  /**
   * The reward model this env pays from, static per (user, item): the ground-truth matrix on a test env,
   * the predicted matrix on a train env, the users' base interests on the synthetic world. Greedy
   * baselines and non-LLM actors use it. For the synthetic world it ignores in-session boredom.
   */
  readonly scorer: ItemScorer;

  /**
   * What is known of each user before a session (logged past best first, features), when the env was given
   * profiles (every preset's simulators are); user-aware policies and planners read it. See `user-profiles.ts`.
   */
  readonly profiles: UserProfiles | undefined;

  /** Current user per slot, length B. */
  readonly users: Int32Array;
  /** Steps taken in the current session per slot, length B. */
  readonly steps: Int32Array;
  /** Reward collected in the current session per slot, length B. */
  readonly returns: Float32Array;
  /** 1 while the slot holds a running session, length B. Without autoReset a finished slot stays 0. */
  readonly active: Uint8Array;
  /** Serial number of the session in each slot (unique within this env), length B. */
  readonly sessionSerial: Float64Array;
  /** History ring buffers, see the module comment for the layout. */
  readonly historyItems: Int32Array;
  readonly historyFeedback: Float32Array;
  readonly historyReward: Float32Array;

  /** Starts B new sessions with users drawn from the env's user pool; returns the slots' users. */
  reset(): Int32Array;
  /** Starts a new session in one slot, with `user` or a drawn one. */
  resetSlot(slot: number, user?: UserId): void;
  /**
   * Shows one slate per slot (B*K ids; entries of inactive slots are ignored) and returns the answers.
   * With `autoReset`, finished slots get a replacement user after the step (listed in `resetSlots`).
   */
  step(slates: Int32Array): VecStepResult;
  /** True when `item` was already shown in the slot's current session (for the NX modes' masks). */
  wasRecommended(slot: number, item: number): boolean;
  /** Item id at history row `back` steps ago (0 = last step), slate position k; -1 if none. */
  recentItem(slot: number, back: number, k?: number): number;
  /** Number of active slots. */
  numActive(): number;
  /** The slot's session as the LLM-facing components see it (allocates: not for the hot path). */
  observation(slot: number): Observation;
}

/**
 * An evaluation agent: fills one slate per active slot. Agents hold their own RNG (seeded by whoever
 * builds them), so the env's and the agent's randomness are independent streams.
 */
export interface Agent {
  readonly name: string;
  /** Called once before a run on `env` (size buffers, bind to the catalogue). */
  begin?(env: VecEnv): void;
  /** Writes B*K item ids into `out` for the active slots of `env`. */
  act(env: VecEnv, out: Int32Array): void;
  /** Called after each step with its result (learning agents, logging). */
  observe?(env: VecEnv, result: VecStepResult): void;
}

/** How per-item feedback is produced from the world model's expected value. */
export type FeedbackKind =
  /** feedback = expected value (a rating, a watch ratio): deterministic. */
  | "rating"
  /** feedback ~ Bernoulli(clip(p - rho * sim_k, 0, 1)), KuaiSim's intra-slate similarity penalty. */
  | "click";

/** How a slate's per-item feedback becomes the session's step reward. */
export type SlateReward = "mean" | "sum";
