/**
 * CRR, critic-regularised regression (Wang, Novikov, Zolna et al. 2020), discrete: behaviour cloning weighted by how
 * much better the logged item is than the actor's average, by a learned critic.
 *
 * Critic: Q(s, i), trained on `r + gamma (1 - done) E_{i' ~ pi(.|s')} Q_target(s', i')` (the expectation is exact
 * over the items allowed in s'). Actor: `-E[f(A(s, a)) log pi(a | s)]` with the advantage
 * `A(s, a) = Q(s, a) - E_{i ~ pi(.|s)} Q(s, i)` (the paper's "mean" estimator, exact here) and
 * `f = min(exp(A / beta), maxWeight)` (`weighting: "exp"`, default) or `1[A > 0]` (`"binary"`). The weight is not
 * differentiated. The actor and the critic share the encoder; the policy acts by the actor.
 */
import { tf } from "../backend.js";
import { gradientStep, type PolicyContext, type PolicyOptionsInit } from "../policy.js";
import type { UpdateStats } from "../algorithm.js";
import type { OfflineBatch } from "./log-dataset.js";
import { actionOneHot, huber, maskedMean, maskLogits, pick, readStats, TargetNetwork, type OfflineAlgorithm } from "./offline-algorithm.js";
import { OfflinePolicy } from "./offline-policy.js";

/** How the advantage becomes a weight. */
export type CrrWeighting = "exp" | "binary";

/** CRR hyper-parameters (d3rlpy's CRR defaults where it has them). */
export interface CrrOptions {
  gamma: number;
  learningRate: number;
  weighting: CrrWeighting;
  /** Temperature of the exponential weight. d3rlpy: 1. */
  beta: number;
  /** Clip of the exponential weight. d3rlpy: 20. */
  maxWeight: number;
  /** Weight of the critic's TD loss against the actor's. */
  criticCoef: number;
  /** Gradient steps between target updates, and the share copied each time (1 = hard copy). */
  targetUpdateEvery: number;
  targetTau: number;
  maxGradNorm: number;
}

export const DEFAULT_CRR_OPTIONS: CrrOptions = { gamma: 0.9, learningRate: 5e-4, weighting: "exp", beta: 1, maxWeight: 20, criticCoef: 1, targetUpdateEvery: 100, targetTau: 1, maxGradNorm: 10 };

/** CRR's policy: an actor and a critic head, acting by the actor. */
export function createCrrPolicy(context: PolicyContext, options: PolicyOptionsInit = {}): OfflinePolicy {
  return new OfflinePolicy(context, options, "crr", { q: true, actor: true, acting: "actor" });
}

/** Softmax of each row of `logits` over allowed items, in JS. */
function softmaxRows(logits: Float32Array, n: number, mask: Uint8Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / n; r++) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (mask[r * n + i]) max = Math.max(max, logits[r * n + i]!);
    let z = 0;
    for (let i = 0; i < n; i++) if (mask[r * n + i]) z += out[r * n + i] = Math.exp(logits[r * n + i]! - max);
    for (let i = 0; i < n; i++) out[r * n + i]! /= z || 1;
  }
  return out;
}

export class CrrAlgorithm implements OfflineAlgorithm {
  readonly kind = "crr" as const;
  readonly offline = true as const;
  readonly options: CrrOptions;
  readonly optimizer: tf.Optimizer;
  readonly target: TargetNetwork;
  updates = 0;

  constructor(
    readonly policy: OfflinePolicy,
    options: Partial<CrrOptions> = {},
  ) {
    this.options = { ...DEFAULT_CRR_OPTIONS, ...options };
    if (this.options.weighting !== "exp" && this.options.weighting !== "binary") throw new RangeError(`CRR option weighting must be "exp" or "binary", got ${String(this.options.weighting)}`);
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.target = new TargetNetwork(policy, this.options.targetUpdateEvery, this.options.targetTau);
  }

  update(batch: OfflineBatch): UpdateStats {
    const o = this.options, p = this.policy, n = p.context.numItems, m = batch.size;
    // Critic target: the actor's expected target Q over the unseen items of s'.
    const next = p.outputs(batch.next, this.target.policy);
    const piNext = softmaxRows(next.logits!, n, batch.nextMask);
    const y = new Float32Array(m);
    for (let r = 0; r < m; r++) {
      let v = 0;
      if (!batch.dones[r]) for (let i = 0; i < n; i++) v += piNext[r * n + i]! * next.q![r * n + i]!;
      y[r] = batch.rewards[r]! + o.gamma * v;
    }
    // Advantage weights of the logged items, from the current actor and critic (not differentiated).
    const now = p.outputs(batch.history);
    const pi = softmaxRows(now.logits!, n, batch.mask);
    const weights = new Float32Array(m);
    let positive = 0, maxWeight = 0;
    for (let r = 0; r < m; r++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += pi[r * n + i]! * now.q![r * n + i]!;
      const adv = now.q![r * n + batch.actions[r]!]! - v;
      if (adv > 0) positive++;
      weights[r] = o.weighting === "binary" ? (adv > 0 ? 1 : 0) : Math.min(Math.exp(adv / o.beta), o.maxWeight);
      maxWeight = Math.max(maxWeight, weights[r]!);
    }
    let diag: Record<string, number> = {};
    const step = gradientStep(this.optimizer, p.params.list(), () => {
      const table = p.table(true);
      const state = p.encode(batch.history, table);
      const oneHot = actionOneHot(batch.actions, n);
      const q = p.q(state, table);
      const qLogged = pick(q, oneHot);
      const critic = huber(tf.sub(qLogged, tf.tensor1d(y)) as tf.Tensor1D);
      const logPi = pick(tf.logSoftmax(maskLogits(p.logits(state, table), batch.mask)), oneHot);
      const actor = tf.neg(tf.mean(tf.mul(logPi, tf.tensor1d(weights)))) as tf.Scalar;
      diag = readStats({ critic, actor, nll: tf.neg(tf.mean(logPi)) as tf.Scalar, qLogged: tf.mean(qLogged) as tf.Scalar, qMean: maskedMean(q, batch.mask), target: tf.mean(tf.tensor1d(y)) as tf.Scalar });
      return tf.add(actor, tf.mul(critic, o.criticCoef)) as tf.Scalar;
    }, o.maxGradNorm);
    this.updates++;
    p.invalidate();
    this.target.afterUpdate(this.updates);
    return { ...diag, meanWeight: weights.reduce((a, w) => a + w, 0) / m, maxWeight, positiveAdvantage: positive / m, loss: step.loss, gradNorm: step.gradNorm, skipped: step.skipped ? 1 : 0 };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.target.dispose();
  }
}
