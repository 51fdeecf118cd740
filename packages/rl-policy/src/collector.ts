/**
 * The rollout collector, the one collection loop of the project: reads the env's histories and masks, asks
 * the policy for slates, steps the env, writes transitions into the rollout buffer and keeps per-episode
 * statistics. `trainPolicy`, the IL-Rec learner and the LERL graph's nodes all drive it, so a mask, the
 * feedback a buffer stores or the bootstrap value cannot differ between them (a copy of this loop once did:
 * LERL re-showed items flat PPO masked and dropped the slate feedback).
 *
 * A step comes in halves so a state machine can put nodes between them: {@link Collector.act} (the
 * policy's forward pass on the current observation), {@link Collector.envStep} (the env answers),
 * {@link Collector.store} (the transition into a buffer), {@link Collector.afterStep} (refill idle slots,
 * re-observe). {@link Collector.collectRollout} is those four in a loop. Works with auto-resetting envs and
 * with envs that leave finished slots idle (it refills those itself unless told not to).
 */
import type { VecEnv, VecStepResult } from "@farsight/env";
import type { RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import { emptyHistory, readHistory, readRepeatMask } from "./features.js";
import type { ActResult, NeuralPolicy } from "./policy.js";

/** Follows every env step, e.g. `@farsight/env`'s `EpisodeTracker` (call order: beforeStep, env.step, afterStep). */
export interface StepObserver {
  beforeStep(slates: Int32Array): void;
  afterStep(result: VecStepResult, stepped: Uint8Array): void;
}

/** A session that ended at a step. */
export interface FinishedEpisode {
  readonly slot: number;
  readonly user: number;
  readonly return: number;
  readonly length: number;
  /** The env's end code (see `END_REASONS` of `@farsight/env`). */
  readonly endCode: number;
}

export interface CollectorOptions {
  /** The plan per slot as a B*C category mask (LERL's high level), or null for no plan. Called on every act. */
  planMask?: (env: VecEnv) => Uint8Array | null;
  /**
   * Never show an item twice in a session, in FB mode too (default true): a repeat only ends the
   * session under distance quit rules, and the env's ranking baselines never repeat. NX modes always mask.
   */
  noRepeat?: boolean;
  /**
   * Start a new session in a slot the env left idle after its session ended (default true: training keeps
   * every slot busy). False where the env decides when sessions run out (evaluation with a session limit:
   * `resetSlot` would start sessions past it).
   */
  refillIdleSlots?: boolean;
  /**
   * Reset the env when the collector is built (default true). False when the owner starts the env itself
   * with {@link Collector.reset} (the LERL graph does, once per run): a second reset would draw other users.
   */
  resetOnCreate?: boolean;
  /** Sees every env step with the slots that stepped (metrics). */
  observer?: StepObserver;
  /** Every session that ends, in slot order within a step. */
  onEpisode?: (episode: FinishedEpisode) => void;
}

/** The first half of a step: the observation the policy acted on (a copy) and its action. */
export interface PendingStep {
  readonly history: HistoryBatch;
  readonly act: ActResult;
}

/** What one batched step produced. `stepped` marks the slots that held a session when the env stepped. */
export interface CollectedStep extends PendingStep {
  readonly result: VecStepResult;
  readonly stepped: Uint8Array;
}

export class Collector {
  /** Current observation of every slot. */
  readonly history: HistoryBatch;
  private repeatMask: Uint8Array | null = null;
  /** Finished episodes since the last {@link drainEpisodes}. */
  private finishedReturns: number[] = [];
  private finishedLengths: number[] = [];
  /** Env transitions (slot-steps of slots that held a session) taken so far. */
  envSteps = 0;
  episodes = 0;

  constructor(
    readonly env: VecEnv,
    readonly policy: NeuralPolicy,
    readonly options: CollectorOptions = {},
  ) {
    if (env.numItems !== policy.context.numItems || env.slateSize !== policy.context.slateSize) {
      throw new Error(`Collector: env has ${env.numItems} items / slate ${env.slateSize}, the policy was built for ${policy.context.numItems} / ${policy.context.slateSize}`);
    }
    this.history = emptyHistory(env.batchSize, policy.options.historyLength, env.numItems);
    if (options.resetOnCreate ?? true) this.reset();
    else this.observe();
  }

  /** Starts a session in every slot and observes them. */
  reset(): void {
    this.env.reset();
    this.observe();
  }

  /** Re-reads histories and masks from the env (after a step or an external reset). */
  observe(): void {
    readHistory(this.env, this.history, this.policy.options.feedbackScale);
    this.repeatMask = readRepeatMask(this.env, this.repeatMask ?? undefined, this.options.noRepeat ?? true);
  }

  /** Current allowed-item mask (no-repeat) or null. */
  get itemMask(): Uint8Array | null {
    return this.repeatMask;
  }

  /** The policy's action on the current observation, inside the no-repeat mask and the plan. */
  act(deterministic = false, withValue = true): PendingStep {
    const history = copyHistory(this.history);
    const act = this.policy.act({ history, itemMask: this.repeatMask, planMask: this.options.planMask?.(this.env) ?? null, deterministic, withValue });
    return { history, act };
  }

  /** Shows the pending slates, records finished episodes. Does not re-observe: see {@link afterStep}. */
  envStep(pending: PendingStep): CollectedStep {
    const env = this.env;
    const stepped = env.active.slice();
    this.options.observer?.beforeStep(pending.act.slates);
    const result = env.step(pending.act.slates);
    this.options.observer?.afterStep(result, stepped);
    for (let s = 0; s < env.batchSize; s++) {
      if (!stepped[s]) continue;
      this.envSteps++;
      if (!result.done[s]) continue;
      this.finishedReturns.push(result.finalReturn[s]!);
      this.finishedLengths.push(result.finalLength[s]!);
      this.episodes++;
      this.options.onEpisode?.({ slot: s, user: result.finalUser[s]!, return: result.finalReturn[s]!, length: result.finalLength[s]!, endCode: result.endCode[s]! });
    }
    return { ...pending, result, stepped };
  }

  /** Acts on the current observation and steps the env (both halves). */
  step(deterministic = false, withValue = true): CollectedStep {
    return this.envStep(this.act(deterministic, withValue));
  }

  /** Writes the step into an on-policy buffer: the action with its log-prob, value and mask; reward, done and the per-item feedback. */
  store(buffer: RolloutBuffer, step: CollectedStep): void {
    const { history, act, result } = step;
    buffer.addAction(history, act.slates, act.action, act.logProb, act.value, act.mask);
    buffer.addOutcome(result.reward, result.done, result.feedback);
  }

  /** Refills slots that finished and were not auto-reset (unless `refillIdleSlots` is false), then re-observes. */
  afterStep(): void {
    if (this.options.refillIdleSlots ?? true) {
      for (let s = 0; s < this.env.batchSize; s++) if (!this.env.active[s]) this.env.resetSlot(s);
    }
    this.observe();
  }

  /** V(s_T) of the current observations: the bootstrap of a rollout that ends here. */
  bootstrapValue(): Float32Array {
    return this.policy.act({ history: this.history, itemMask: this.repeatMask, deterministic: true, withValue: true }).value;
  }

  /** Fills `buffer` with `buffer.steps` steps and returns V(s_T) of the final observations. */
  collectRollout(buffer: RolloutBuffer): Float32Array {
    buffer.reset();
    while (!buffer.full) {
      this.store(buffer, this.step(false, true));
      this.afterStep();
    }
    return this.bootstrapValue();
  }

  /** Returns and lengths of the episodes finished since the last call. */
  drainEpisodes(): { returns: number[]; lengths: number[] } {
    const out = { returns: this.finishedReturns, lengths: this.finishedLengths };
    this.finishedReturns = [];
    this.finishedLengths = [];
    return out;
  }
}

function copyHistory(h: HistoryBatch): HistoryBatch {
  return { batchSize: h.batchSize, length: h.length, items: h.items.slice(), feedback: h.feedback.slice(), valid: h.valid.slice(), ...(h.users ? { users: h.users.slice() } : {}) };
}
