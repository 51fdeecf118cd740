/**
 * Discrete BCQ (Fujimoto, Conti, Ghavamzadeh & Pineau 2019, "Benchmarking Batch Deep Reinforcement Learning
 * Algorithms"): Q-learning that only takes actions the data's behaviour policy would plausibly take.
 *
 * Two heads over one encoder: Q(s, i) and a behaviour model G(i | s) (a softmax over items fitted to the logged items).
 * An item is eligible in a state when G(i | s) / max_j G(j | s) >= `threshold`; the target is
 * `r + gamma (1 - done) Q_target(s', a')` with `a'` the eligible (and not yet shown) item of highest online Q, and the
 * policy acts by the highest Q among eligible items. Loss: Huber TD error + the behaviour model's cross-entropy +
 * `logitPenalty` x mean squared behaviour logit (the reference code's regulariser, 1e-2).
 * threshold 0 is plain (double) DQN on the log; threshold 1 acts as behaviour cloning's argmax.
 */
import { tf } from "../backend.js";
import { gradientStep, type PolicyContext, type PolicyOptionsInit } from "../policy.js";
import type { UpdateStats } from "../algorithm.js";
import type { OfflineBatch } from "./log-dataset.js";
import { actionOneHot, argmaxAllowed, huber, maskedMean, maskLogits, pick, readStats, TargetNetwork, type OfflineAlgorithm } from "./offline-algorithm.js";
import { behaviourFilter, OfflinePolicy } from "./offline-policy.js";

/** Discrete BCQ hyper-parameters (the reference implementation's, with DQN's schedule of this package). */
export interface BcqOptions {
  gamma: number;
  learningRate: number;
  /** Eligibility threshold tau on G(i|s) / max G. Reference: 0.3. */
  threshold: number;
  /** Weight of the mean squared behaviour logit. Reference: 1e-2. */
  logitPenalty: number;
  /** Gradient steps between target updates, and the share copied each time (1 = hard copy). */
  targetUpdateEvery: number;
  targetTau: number;
  maxGradNorm: number;
}

export const DEFAULT_BCQ_OPTIONS: BcqOptions = { gamma: 0.9, learningRate: 5e-4, threshold: 0.3, logitPenalty: 1e-2, targetUpdateEvery: 100, targetTau: 1, maxGradNorm: 10 };

/** BCQ's policy: Q and behaviour heads, acting by filtered Q. */
export function createBcqPolicy(context: PolicyContext, options: PolicyOptionsInit = {}, threshold = DEFAULT_BCQ_OPTIONS.threshold): OfflinePolicy {
  const p = new OfflinePolicy(context, options, "bcq", { q: true, actor: true, acting: "q" });
  p.filterThreshold = threshold;
  return p;
}

export class BcqAlgorithm implements OfflineAlgorithm {
  readonly kind = "bcq" as const;
  readonly offline = true as const;
  readonly options: BcqOptions;
  readonly optimizer: tf.Optimizer;
  readonly target: TargetNetwork;
  updates = 0;

  constructor(
    readonly policy: OfflinePolicy,
    options: Partial<BcqOptions> = {},
  ) {
    this.options = { ...DEFAULT_BCQ_OPTIONS, ...options };
    if (!(this.options.threshold >= 0 && this.options.threshold <= 1)) throw new RangeError(`BCQ option threshold must be in [0, 1], got ${this.options.threshold}`);
    policy.filterThreshold = this.options.threshold;
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.target = new TargetNetwork(policy, this.options.targetUpdateEvery, this.options.targetTau);
  }

  update(batch: OfflineBatch): UpdateStats {
    const o = this.options, p = this.policy, n = p.context.numItems, m = batch.size;
    // Target: the eligible unseen item of highest online Q in s', valued by the target network.
    const online = p.outputs(batch.next);
    const eligible = o.threshold > 0 ? behaviourFilter(online.logits!, n, 1, batch.nextMask, o.threshold) : batch.nextMask;
    const qTarget = p.outputs(batch.next, this.target.policy).q!;
    const y = new Float32Array(m);
    let eligibleItems = 0;
    for (let i = 0; i < eligible.length; i++) eligibleItems += eligible[i]!;
    for (let r = 0; r < m; r++) {
      const a = batch.dones[r] ? -1 : argmaxAllowed(online.q!, n, r, eligible);
      y[r] = batch.rewards[r]! + (a >= 0 ? o.gamma * qTarget[r * n + a]! : 0);
    }
    let diag: Record<string, number> = {};
    const step = gradientStep(this.optimizer, p.params.list(), () => {
      const table = p.table(true);
      const state = p.encode(batch.history, table);
      const oneHot = actionOneHot(batch.actions, n);
      const q = p.q(state, table);
      const qLogged = pick(q, oneHot);
      const td = huber(tf.sub(qLogged, tf.tensor1d(y)) as tf.Tensor1D);
      const logits = p.logits(state, table);
      const behaviour = tf.neg(tf.mean(pick(tf.logSoftmax(maskLogits(logits, batch.mask)), oneHot))) as tf.Scalar;
      const penalty = tf.mean(tf.square(logits)) as tf.Scalar;
      diag = readStats({ td, behaviour, qLogged: tf.mean(qLogged) as tf.Scalar, qMean: maskedMean(q, batch.mask), target: tf.mean(tf.tensor1d(y)) as tf.Scalar });
      return tf.addN([td, behaviour, tf.mul(penalty, o.logitPenalty)]) as tf.Scalar;
    }, o.maxGradNorm);
    this.updates++;
    p.invalidate();
    this.target.afterUpdate(this.updates);
    // eligible: items the behaviour filter leaves to the target's argmax in s', per row (the filter's width).
    return { ...diag, eligible: eligibleItems / m, loss: step.loss, gradNorm: step.gradNorm, skipped: step.skipped ? 1 : 0 };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.target.dispose();
  }
}
