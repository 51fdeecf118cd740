/**
 * Training loops usable without LangGraph: `trainPolicy(env, algorithm, { totalSteps, onProgress })`.
 * The graph package's LERL nodes drive the same pieces (one {@link Collector}, a buffer from
 * {@link rolloutBufferFor}, `Algorithm.update`), so a LERL run whose plans allow everything is this loop.
 */
import { mean } from "@farsight/core";
import type { VecEnv } from "@farsight/env";
import type { Algorithm, OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { RolloutBuffer } from "./buffers.js";
import { Collector, type CollectorOptions } from "./collector.js";
import { type TrainProgress, type TrainSummary } from "./plain-types.js";
export type { TrainProgress, TrainSummary } from "./plain-types.js";

export interface TrainOptions extends CollectorOptions {
  /** Budget in env transitions (slot-steps): B sessions stepping once count B. */
  totalSteps: number;
  /** Report progress about every this many transitions (default: 10 reports over the budget). */
  progressEvery?: number;
  onProgress?: (progress: TrainProgress) => void;
  /** Checked between updates; return true to stop early (time budgets, signals). */
  shouldStop?: () => boolean;
}



/** The rollout buffer an on-policy algorithm fills on `env`: `rolloutSteps` batched steps, sized for its policy's actions. */
export function rolloutBufferFor(algorithm: OnPolicyAlgorithm, env: VecEnv): RolloutBuffer {
  return new RolloutBuffer(algorithm.rolloutSteps, env.batchSize, {
    historyLength: algorithm.policy.options.historyLength,
    slateSize: env.slateSize,
    actionDim: algorithm.policy.actionDim,
    numItems: env.numItems,
  });
}

/** Trains `algorithm` on `env` for `totalSteps` transitions. Yields to the event loop between updates. */
export async function trainPolicy(env: VecEnv, algorithm: Algorithm, options: TrainOptions): Promise<TrainSummary> {
  const collector = new Collector(env, algorithm.policy, options);
  const total = options.totalSteps;
  const every = options.progressEvery ?? Math.max(env.batchSize, Math.floor(total / 10));
  const start = performance.now();
  let nextReport = every;
  let lastStats: UpdateStats = {};
  const tailReturns: number[] = [];
  const report = () => {
    const { returns, lengths } = collector.drainEpisodes();
    if (collector.envSteps >= 0.8 * total) tailReturns.push(...returns);
    const elapsedMs = performance.now() - start;
    options.onProgress?.({
      envSteps: collector.envSteps,
      totalSteps: total,
      updates: algorithm.updates,
      episodes: collector.episodes,
      meanReturn: returns.length ? mean(returns) : NaN,
      meanLength: lengths.length ? mean(lengths) : NaN,
      elapsedMs,
      stepsPerSecond: collector.envSteps / (elapsedMs / 1000),
      stats: lastStats,
    });
  };
  const buffer = algorithm.onPolicy ? rolloutBufferFor(algorithm, env) : null;
  while (collector.envSteps < total && !options.shouldStop?.()) {
    if (algorithm.onPolicy) {
      const lastValues = collector.collectRollout(buffer!);
      buffer!.finish(lastValues, algorithm.gamma, algorithm.gaeLambda);
      lastStats = algorithm.update(buffer!);
      // Schedules (PPO's learning-rate annealing) are set for the next rollout; the LERL graph does the same.
      algorithm.setProgress?.(collector.envSteps / total);
    } else {
      algorithm.setProgress(collector.envSteps / total);
      const { history, act, result } = collector.step(false, false);
      const dones = result.done.slice();
      const rewards = result.reward.slice();
      // s' must be read before finished slots are reset (auto-reset envs already hold the new user there;
      // those rows are masked by `done` in the target anyway).
      collector.observe();
      const stats = algorithm.observe({ history, slates: act.slates, rewards, dones, next: collector.history, nextMask: collector.itemMask });
      collector.afterStep();
      if (stats) lastStats = stats;
    }
    if (collector.envSteps >= nextReport) {
      report();
      while (nextReport <= collector.envSteps) nextReport += every;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const elapsedMs = performance.now() - start;
  const rest = collector.drainEpisodes().returns;
  tailReturns.push(...rest);
  return {
    envSteps: collector.envSteps,
    updates: algorithm.updates,
    episodes: collector.episodes,
    elapsedMs,
    stepsPerSecond: collector.envSteps / (elapsedMs / 1000),
    finalMeanReturn: tailReturns.length ? mean(tailReturns) : NaN,
  };
}
