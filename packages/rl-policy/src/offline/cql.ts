/**
 * Discrete CQL (Kumar, Zhou, Tucker & Levine 2020, "Conservative Q-Learning for Offline RL", the CQL(H) objective
 * on a DQN, as d3rlpy's `DiscreteCQL`): double-DQN TD learning on the log plus a term that pushes Q down on every
 * item and up on the logged one,
 * `alpha * E[logsumexp_i Q(s, i) - Q(s, a_logged)]`,
 * so items the log never shows in a state cannot look better than the logged ones by extrapolation. The logsumexp
 * runs over the items allowed in the state (not yet shown), the set the policy chooses from. Acts greedily on Q.
 */
import { tf } from "../backend.js";
import { gradientStep, type PolicyContext, type PolicyOptionsInit } from "../policy.js";
import type { UpdateStats } from "../algorithm.js";
import type { OfflineBatch } from "./log-dataset.js";
import { actionOneHot, argmaxAllowed, huber, maskedMean, maskLogits, pick, readStats, TargetNetwork, type OfflineAlgorithm } from "./offline-algorithm.js";
import { OfflinePolicy } from "./offline-policy.js";

/** Discrete CQL hyper-parameters. */
export interface CqlOptions {
  gamma: number;
  learningRate: number;
  /** Weight of the conservative term. d3rlpy's DiscreteCQL: 1. */
  alpha: number;
  /** Gradient steps between target updates, and the share copied each time (1 = hard copy). */
  targetUpdateEvery: number;
  targetTau: number;
  maxGradNorm: number;
}

export const DEFAULT_CQL_OPTIONS: CqlOptions = { gamma: 0.9, learningRate: 5e-4, alpha: 1, targetUpdateEvery: 100, targetTau: 1, maxGradNorm: 10 };

/** CQL's policy: a Q head, acting greedily on it. */
export function createCqlPolicy(context: PolicyContext, options: PolicyOptionsInit = {}): OfflinePolicy {
  return new OfflinePolicy(context, options, "cql", { q: true, actor: false, acting: "q" });
}

export class CqlAlgorithm implements OfflineAlgorithm {
  readonly kind = "cql" as const;
  readonly offline = true as const;
  readonly options: CqlOptions;
  readonly optimizer: tf.Optimizer;
  readonly target: TargetNetwork;
  updates = 0;

  constructor(
    readonly policy: OfflinePolicy,
    options: Partial<CqlOptions> = {},
  ) {
    this.options = { ...DEFAULT_CQL_OPTIONS, ...options };
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.target = new TargetNetwork(policy, this.options.targetUpdateEvery, this.options.targetTau);
  }

  update(batch: OfflineBatch): UpdateStats {
    const o = this.options, p = this.policy, n = p.context.numItems, m = batch.size;
    // Double DQN target: the online network picks the unseen item in s', the target network values it.
    const qOnline = p.outputs(batch.next).q!;
    const qTarget = p.outputs(batch.next, this.target.policy).q!;
    const y = new Float32Array(m);
    for (let r = 0; r < m; r++) {
      const a = batch.dones[r] ? -1 : argmaxAllowed(qOnline, n, r, batch.nextMask);
      y[r] = batch.rewards[r]! + (a >= 0 ? o.gamma * qTarget[r * n + a]! : 0);
    }
    let diag: Record<string, number> = {};
    const step = gradientStep(this.optimizer, p.params.list(), () => {
      const table = p.table(true);
      const q = p.q(p.encode(batch.history, table), table);
      const qLogged = pick(q, actionOneHot(batch.actions, n));
      const td = huber(tf.sub(qLogged, tf.tensor1d(y)) as tf.Tensor1D);
      const conservative = tf.mean(tf.sub(tf.logSumExp(maskLogits(q, batch.mask), 1), qLogged)) as tf.Scalar;
      diag = readStats({ td, conservative, qLogged: tf.mean(qLogged) as tf.Scalar, qMean: maskedMean(q, batch.mask), target: tf.mean(tf.tensor1d(y)) as tf.Scalar });
      return tf.add(td, tf.mul(conservative, o.alpha)) as tf.Scalar;
    }, o.maxGradNorm);
    this.updates++;
    p.invalidate();
    this.target.afterUpdate(this.updates);
    return { ...diag, loss: step.loss, gradNorm: step.gradNorm, skipped: step.skipped ? 1 : 0 };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.target.dispose();
  }
}
