/**
 * Advantage actor-critic (A2C) on the softmax {@link SlatePolicy} (logits `u(s) . e_i + c_i`, Plackett-Luce
 * slates of K drawn without replacement; K = 1 is the plain softmax policy).
 *
 * Loss per gradient step: `-E[log pi(slate|s) A] + c_v 0.5 E[(V - R)^2] - c_e H(pi)` plus the response loss (as PPO's)
 * and any auxiliary losses,
 * with the critic on the normalised return scale of {@link ActorCriticPolicy}. Classic A2C takes one gradient
 * step per rollout; at our budgets (a few thousand transitions) that is too few steps to learn, so the rollout
 * is cut into `minibatchSize` pieces and each takes a step (one pass, no ratio: the later minibatches are
 * slightly off-policy, which A2C ignores as SB3's does over its n-step batches).
 *
 * The auxiliary-loss hook is where IL-Rec's imitation term goes without touching this file:
 * `auxiliaryLosses: [imitationLoss(() => demoBatch, 0.5)]` adds `-lambda * E_demo[w log pi(a|s)]`.
 */
import type { A2CBaseOptions } from "./plain-types.js";
export type { A2CBaseOptions } from "./plain-types.js";
import { explainedVariance, forEachMinibatch, minibatchRng, policyGradientLoss, StatsAccumulator } from "./actor-critic.js";
import type { OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { tf } from "./backend.js";
import type { RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import { gradientStep } from "./policy.js";
import { SlatePolicy } from "./slate-policy.js";

/** The policy A2C trains: the softmax slate policy (the name is kept for existing code). */
export { SlatePolicy as A2CPolicy };
type A2CPolicy = SlatePolicy;

/** An extra differentiable loss term, evaluated inside the A2C gradient tape. Return null to skip. */
export type AuxiliaryLoss = (policy: A2CPolicy, update: number) => tf.Scalar | null;

/** A2C's options: the plain ones and the auxiliary losses. */
export interface A2COptions extends A2CBaseOptions {
  /** Extra loss terms (IL-Rec's imitation term). Not saved with checkpoints: they hold data and code. */
  auxiliaryLosses: AuxiliaryLoss[];
}

export const DEFAULT_A2C_OPTIONS: A2COptions = {
  gamma: 0.9,
  gaeLambda: 0.95,
  rolloutSteps: 5,
  minibatchSize: 32,
  learningRate: 1e-3,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  criticGradient: false,
  responseCoef: 3,
  auxiliaryLosses: [],
};

/** The learning half: advantage actor-critic steps over each rollout. */
export class A2CAlgorithm implements OnPolicyAlgorithm {
  readonly kind = "a2c" as const;
  readonly onPolicy = true as const;
  readonly options: A2COptions;
  readonly optimizer: tf.Optimizer;
  updates = 0;

  constructor(
    readonly policy: A2CPolicy,
    options: Partial<A2COptions> = {},
  ) {
    this.options = { ...DEFAULT_A2C_OPTIONS, ...options };
    this.optimizer = tf.train.adam(this.options.learningRate, 0.9, 0.999, 1e-5);
  }

  get rolloutSteps(): number {
    return this.options.rolloutSteps;
  }
  get gamma(): number {
    return this.options.gamma;
  }
  get gaeLambda(): number {
    return this.options.gaeLambda;
  }

  update(buf: RolloutBuffer): UpdateStats {
    const o = this.options;
    const p = this.policy;
    const n = buf.length;
    const explained = explainedVariance(buf.values.subarray(0, n), buf.returns.subarray(0, n));
    p.observeReturns(buf.returns.subarray(0, n));
    const scale = p.returnStd();
    const vars = p.trainableVariables();
    const stats = new StatsAccumulator();
    let skipped = 0;
    forEachMinibatch(buf, { epochs: 1, minibatchSize: o.minibatchSize, normalizeAdvantages: o.normalizeAdvantages }, minibatchRng(this.policy.options.seed, "a2c", this.updates), (mb) => {
      let diag: Record<string, number> = {};
      const step = gradientStep(this.optimizer, vars, () => {
        const g = policyGradientLoss(p, mb, o, scale);
        let loss = g.loss;
        for (const aux of o.auxiliaryLosses) {
          const term = aux(p, this.updates);
          if (term) loss = tf.add(loss, term);
        }
        diag = g.diag;
        return loss as tf.Scalar;
      }, o.maxGradNorm);
      this.updates++;
      if (step.skipped) skipped++;
      stats.add({ ...diag, loss: step.loss, gradNorm: step.gradNorm });
      return true;
    });
    p.invalidate();
    return { ...stats.means(), explainedVariance: explained, returnStd: scale, skipped };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** A batch of demonstrations for {@link imitationLoss}: states, the demonstrated slates, weights, masks. */
export interface DemoBatch {
  readonly history: HistoryBatch;
  /** B*K demonstrated item ids. */
  readonly slates: Int32Array;
  /** Per-demonstration weight (IL-Rec: advantage-gated weights in [0, 1]); omitted = 1. */
  readonly weights?: Float32Array;
  /**
   * B*N allowed items, the mask the policy would act under in that state (no-repeat AND plan, as the rollout
   * collector builds it); null or omitted = every item. Without it the imitated log-prob is over a different
   * distribution than the one that acts and serves.
   */
  readonly mask?: Uint8Array | null;
}

/**
 * IL-Rec-style imitation term `-coef * E[w * log pi(a_demo | s_demo)]`, as an {@link AuxiliaryLoss}.
 * `next` is called once per update and may return null (no demonstrations this time).
 */
export function imitationLoss(next: () => DemoBatch | null, coef: number): AuxiliaryLoss {
  return (policy) => {
    const demo = next();
    if (!demo || demo.history.batchSize === 0) return null;
    const { logProb } = policy.logProbOf(demo.history, demo.slates, demo.mask ?? null);
    const w = demo.weights ? tf.tensor1d(demo.weights) : tf.onesLike(logProb);
    return tf.mul(tf.neg(tf.mean(tf.mul(logProb, w))), coef) as tf.Scalar;
  };
}
