/**
 * PPO (clipped surrogate) for the low level of LERL (arXiv 2601.19585) and for flat RL recommenders.
 *
 * The policy is the softmax {@link SlatePolicy} by default (logits `u(s) . e_i + c_i`, Plackett-Luce slates,
 * the slate's log-probability under the rollout's mask); `policyHead: "hyper-action"` selects LERL's Gaussian
 * hyper-action ({@link HyperActionPolicy}, the paper's variant, with HAC's behaviour loss).
 *
 * The update follows CleanRL's `ppo.py` (and SB3's PPO): `epochs` passes over the rollout in shuffled
 * minibatches, advantages normalised per minibatch, the clipped surrogate, a clipped value loss, an entropy
 * bonus, one Adam (eps 1e-5) over every parameter, global grad-norm clipping at 0.5, optional early stop at a
 * target KL and optional linear learning-rate annealing. What differs from CleanRL: the critic predicts returns
 * divided by a running return std (see {@link ActorCriticPolicy}) and by default does not train the shared
 * encoder; gamma 0.9 (LERL's). Per-update diagnostics: policy loss, value loss, entropy, approximate KL, clip
 * fraction, explained variance (and the hyper-action's std).
 *
 * Deviations from LERL's released code: the mask is minus infinity, not multiplicative; one learning rate
 * (LERL uses four parameter groups); clip 0.2 (LERL's 0.8 barely clips); no target actor for rollouts; no
 * batch-norm in the actor; GAE(0.95) (LERL: TD(0), `gaeLambda: 0`).
 */
import { FarsightError } from "@farsight/core";
import { ActorCriticPolicy, explainedVariance, forEachMinibatch, minibatchRng, StatsAccumulator } from "./actor-critic.js";
import type { OnPolicyAlgorithm, UpdateStats } from "./algorithm.js";
import { tf } from "./backend.js";
import type { RolloutBuffer } from "./buffers.js";
import { DEFAULT_INIT_STD, HyperActionPolicy } from "./hyper-action.js";
import { gradientStep, type PolicyContext, type PolicyOptionsInit } from "./policy.js";
import { SlatePolicy } from "./slate-policy.js";
import type { PpoOptions } from "./plain-types.js";
export type { PolicyHead, PpoOptions } from "./plain-types.js";



export const DEFAULT_PPO_OPTIONS: PpoOptions = {
  policyHead: "softmax",
  gamma: 0.9,
  gaeLambda: 0.95,
  clipEpsilon: 0.2,
  clipValueLoss: true,
  epochs: 4,
  minibatchSize: 64,
  rolloutSteps: 10,
  learningRate: 1e-3,
  annealLearningRate: false,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  targetKl: null,
  normalizeAdvantages: true,
  criticGradient: false,
  initStd: DEFAULT_INIT_STD,
  responseCoef: 3,
};

/** The policy PPO trains for these options. */
export function createPpoPolicy(context: PolicyContext, policyOptions: PolicyOptionsInit = {}, ppo: Partial<PpoOptions> = {}): ActorCriticPolicy {
  const o = { ...DEFAULT_PPO_OPTIONS, ...ppo };
  if (o.policyHead === "hyper-action") return new HyperActionPolicy(context, policyOptions, o.initStd, o.criticGradient);
  if (o.policyHead !== "softmax") throw new FarsightError("rl-policy/bad-option", `Unknown PPO policyHead "${String(o.policyHead)}"; expected softmax or hyper-action`, { policyHead: o.policyHead });
  return new SlatePolicy(context, policyOptions, "ppo", o.criticGradient);
}

/** The learning half: clipped-surrogate PPO over a rollout buffer. */
export class PpoAlgorithm implements OnPolicyAlgorithm {
  readonly kind = "ppo" as const;
  readonly onPolicy = true as const;
  readonly options: PpoOptions;
  readonly optimizer: tf.AdamOptimizer;
  updates = 0;

  constructor(
    readonly policy: ActorCriticPolicy,
    options: Partial<PpoOptions> = {},
  ) {
    this.options = { ...DEFAULT_PPO_OPTIONS, ...options };
    const o = this.options;
    if (!(o.clipEpsilon > 0)) throw new FarsightError("rl-policy/bad-option", `PPO clipEpsilon must be > 0 (got ${o.clipEpsilon})`, { clipEpsilon: o.clipEpsilon });
    if (!(o.learningRate > 0)) throw new FarsightError("rl-policy/bad-option", `PPO learningRate must be > 0 (got ${o.learningRate})`, { learningRate: o.learningRate });
    const head = policy instanceof HyperActionPolicy ? "hyper-action" : "softmax";
    if (options.policyHead && options.policyHead !== head) {
      throw new FarsightError("rl-policy/bad-option", `PPO policyHead "${options.policyHead}" does not match the policy given (${head}); build it with createPpoPolicy`, { policyHead: options.policyHead });
    }
    this.options.policyHead = head;
    this.optimizer = tf.train.adam(o.learningRate, 0.9, 0.999, 1e-5);
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

  /** Anneals the learning rate (when `annealLearningRate`) from the share of the budget spent. */
  setProgress(fraction: number): void {
    if (!this.options.annealLearningRate) return;
    setLearningRate(this.optimizer, this.options.learningRate * Math.max(0, 1 - fraction));
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
    let skipped = 0, stoppedEarly = 0;
    forEachMinibatch(buf, o, minibatchRng(this.policy.options.seed, "ppo", this.updates), (mb) => {
      let diag: Record<string, number> = {};
      const step = gradientStep(this.optimizer, vars, () => {
        const ev = p.evaluateActions(mb);
        const logRatio = tf.sub(ev.logProb, tf.tensor1d(mb.oldLogProb));
        const ratio = tf.exp(logRatio);
        const adv = tf.tensor1d(mb.advantages);
        const surrogate = tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - o.clipEpsilon, 1 + o.clipEpsilon), adv));
        const policyLoss = tf.neg(tf.mean(surrogate));
        const target = tf.div(tf.tensor1d(mb.returns), scale);
        const oldV = tf.div(tf.tensor1d(mb.oldValue), scale);
        const vLoss = tf.square(tf.sub(ev.normalizedValue, target));
        // CleanRL's 0.5 * max(unclipped, clipped) squared error.
        const valueLoss = o.clipValueLoss
          ? tf.mul(0.5, tf.mean(tf.maximum(vLoss, tf.square(tf.sub(tf.add(oldV, tf.clipByValue(tf.sub(ev.normalizedValue, oldV), -o.clipEpsilon, o.clipEpsilon)), target)))))
          : tf.mul(0.5, tf.mean(vLoss));
        const entropy = tf.mean(ev.entropy);
        let loss = tf.add(tf.sub(policyLoss, tf.mul(entropy, o.entropyCoef)), tf.mul(valueLoss, o.valueCoef));
        if (ev.auxiliaryLoss && o.responseCoef > 0) loss = tf.add(loss, tf.mul(ev.auxiliaryLoss, o.responseCoef));
        // Diagnostics as CleanRL computes them: approx KL = E[(r - 1) - log r], clip fraction = P(|r - 1| > eps).
        const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
        const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), o.clipEpsilon), "float32"));
        // One read-back for all of them (each dataSync is a sync with the backend).
        const [pl, vl, en, kl, cf, aux] = tf.stack([policyLoss, valueLoss, entropy, approxKl, clipFrac, ev.auxiliaryLoss ?? tf.scalar(0)]).dataSync();
        diag = { policyLoss: pl!, valueLoss: vl!, entropy: en!, approxKl: kl!, clipFraction: cf!, ...(ev.auxiliaryLoss ? { responseLoss: aux! } : {}) };
        return loss as tf.Scalar;
      }, o.maxGradNorm);
      this.updates++;
      if (step.skipped) skipped++;
      stats.add({ ...diag, loss: step.loss, gradNorm: step.gradNorm });
      if (o.targetKl !== null && diag.approxKl! > o.targetKl) {
        stoppedEarly = 1;
        return false;
      }
      return true;
    });
    p.invalidate();
    return {
      ...stats.means(),
      explainedVariance: explained,
      returnStd: scale,
      learningRate: learningRateOf(this.optimizer),
      skipped,
      stoppedEarly,
      ...(p instanceof HyperActionPolicy ? { actionStd: p.meanStd() } : {}),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** TF.js keeps an optimiser's learning rate in a protected field; schedules set it between steps. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}
