/**
 * The rollout collector, shared by every algorithm: reads the env's histories and masks, asks the policy
 * for slates, steps the env, and keeps per-episode statistics. Works with auto-resetting envs and with
 * envs that leave finished slots idle (it resets those itself).
 */
import type { VecEnv, VecStepResult } from "@farsight/env";
import type { RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import { emptyHistory, readHistory, readRepeatMask } from "./features.js";
import type { ActResult, NeuralPolicy } from "./policy.js";

export interface CollectorOptions {
  /** The plan per slot as a B*C category mask (LERL's high level), or null for no plan. Called every step. */
  planMask?: (env: VecEnv) => Uint8Array | null;
  /**
   * Never show an item twice in a session, in FB mode too (default true): a repeat only ends the
   * session under distance quit rules, and the env's ranking baselines never repeat. NX modes always mask.
   */
  noRepeat?: boolean;
}

/** What one batched step produced. `history` is the observation the action was taken on (a copy). */
export interface CollectedStep {
  readonly history: HistoryBatch;
  readonly act: ActResult;
  readonly result: VecStepResult;
}

export class Collector {
  /** Current observation of every slot. */
  readonly history: HistoryBatch;
  private repeatMask: Uint8Array | null = null;
  /** Finished episodes since the last {@link drainEpisodes}. */
  private finishedReturns: number[] = [];
  private finishedLengths: number[] = [];
  /** Env transitions (slot-steps) taken so far. */
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
    env.reset();
    this.observe();
  }

  /** Re-reads histories and masks from the env (after a step or an external reset). */
  observe(): void {
    readHistory(this.env, this.history, this.policy.options.feedbackScale);
    this.repeatMask = readRepeatMask(this.env, this.repeatMask ?? undefined, this.options.noRepeat ?? true);
  }

  /** Current allowed-item mask (NX modes) or null. */
  get itemMask(): Uint8Array | null {
    return this.repeatMask;
  }

  /** Acts on the current observation, steps the env, records finished episodes, re-observes. */
  step(deterministic = false, withValue = true): CollectedStep {
    const history = copyHistory(this.history);
    const act = this.policy.act({ history, itemMask: this.repeatMask, planMask: this.options.planMask?.(this.env) ?? null, deterministic, withValue });
    const result = this.env.step(act.slates);
    const b = this.env.batchSize;
    for (let s = 0; s < b; s++) {
      if (!result.done[s]) continue;
      this.finishedReturns.push(result.finalReturn[s]!);
      this.finishedLengths.push(result.finalLength[s]!);
      this.episodes++;
    }
    this.envSteps += b;
    return { history, act, result };
  }

  /** Resets slots that finished and were not auto-reset, then re-observes. */
  afterStep(): void {
    for (let s = 0; s < this.env.batchSize; s++) if (!this.env.active[s]) this.env.resetSlot(s);
    this.observe();
  }

  /** Fills `buffer` with `buffer.steps` steps and returns V(s_T) of the final observations. */
  collectRollout(buffer: RolloutBuffer): Float32Array {
    buffer.reset();
    while (!buffer.full) {
      const { history, act, result } = this.step(false, true);
      buffer.addAction(history, act.slates, act.action, act.logProb, act.value, act.mask);
      buffer.addOutcome(result.reward, result.done, result.feedback);
      this.afterStep();
    }
    return this.policy.act({ history: this.history, itemMask: this.repeatMask, deterministic: true, withValue: true }).value;
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
  return { batchSize: h.batchSize, length: h.length, items: h.items.slice(), feedback: h.feedback.slice(), valid: h.valid.slice() };
}
