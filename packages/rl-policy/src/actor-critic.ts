/**
 * What PPO and A2C share (Stable-Baselines3's lesson: the plumbing once): {@link ActorCriticPolicy}, the base of
 * the policies they train (a value head on a normalised return scale, and `evaluateActions`, the differentiable
 * log-probability of stored actions under the stored masks), and {@link forEachMinibatch}, the loop that cuts a
 * rollout into minibatches with per-minibatch advantage normalisation.
 *
 * Why the return scale: on Coat, returns reach ~30 (ratings 1-5) and the value gradient was ~5x the policy
 * gradient inside one global norm clip, so the shared encoder learned to predict returns and the actor starved.
 * The value head predicts returns divided by a running std of the returns it has been trained on (the idea of
 * CleanRL's and SB3's reward normalisation, kept inside the policy so the env's rewards stay what they are);
 * `value()` multiplies back, so GAE and users see returns in the env's units.
 */
import { FarsightError, Rng } from "@farsight/core";
import { tf } from "./backend.js";
import { historyRows, permutation, stackMasks, type RolloutBuffer } from "./buffers.js";
import type { HistoryBatch } from "./encoders.js";
import { mlp, stopGradient } from "./params.js";
import { NeuralPolicy, type PolicyContext, type PolicyOptionsInit } from "./policy.js";

/** What {@link ActorCriticPolicy.evaluateActions} returns (all inside the caller's gradient tape). */
export interface ActionEvaluation {
  /** log pi(action | s) under the given masks, [B]. */
  readonly logProb: tf.Tensor1D;
  /** Entropy of the acting distribution (first slate position for slates), [B]. */
  readonly entropy: tf.Tensor1D;
  /** Value head output on the normalised return scale, [B]. */
  readonly normalizedValue: tf.Tensor1D;
  /** An extra loss the policy's own parameterisation needs (the hyper-action's behaviour loss), or null. */
  readonly auxiliaryLoss: tf.Scalar | null;
  /** The encoded states [B, d] (for further terms). */
  readonly state: tf.Tensor2D;
}

/** The stored part of a transition that {@link ActorCriticPolicy.evaluateActions} needs. */
export interface StoredActions {
  readonly history: HistoryBatch;
  /** B*K item ids. */
  readonly slates: Int32Array;
  /** B*A continuous actions (hyper-action policies), empty for discrete ones. */
  readonly actions: Float32Array;
  /** The masks the actions were taken under (B*N), or null. */
  readonly mask: Uint8Array | null;
  /** Raw feedback per slate position (B*K), when the rollout recorded it. */
  readonly slateFeedback?: Float32Array;
}

/** Running count / mean / sum of squared deviations of returns (Welford), stored as a non-trained parameter so checkpoints keep it. */
const RETURN_STATS = "critic/returnStats";

/** Base of the policies PPO and A2C train: a critic with a normalised return scale, and `evaluateActions`. */
export abstract class ActorCriticPolicy extends NeuralPolicy {
  private returnStdCache: number | undefined;

  /**
   * @param criticGradient whether the value loss trains the shared encoder and item table (`true`), or only
   *   the critic's own head (`false`, the default: the critic reads the actor's state without shaping it,
   *   so a large value loss cannot swamp the policy gradient).
   */
  constructor(
    context: PolicyContext,
    options: PolicyOptionsInit,
    readonly criticGradient = false,
  ) {
    super(context, options);
    this.params.get(RETURN_STATS, [3], "zeros");
  }

  /** Trainable parameters (everything but the return statistics). */
  trainableVariables(): tf.Variable[] {
    const stats = this.params.require(RETURN_STATS);
    return this.params.list().filter((v) => v !== stats);
  }

  /** Value head on the normalised scale, [B]. */
  normalizedValue(state: tf.Tensor2D): tf.Tensor1D {
    const input = this.criticGradient ? state : (stopGradient(state) as tf.Tensor2D);
    return tf.reshape(mlp(this.params, "critic", input, this.options.hidden, 1), [-1]) as tf.Tensor1D;
  }

  /** V(s) in the env's return units, [B]. */
  value(state: tf.Tensor2D): tf.Tensor1D {
    return tf.mul(this.normalizedValue(state), this.returnStd()) as tf.Tensor1D;
  }

  /** Std of the returns seen so far (1 before any). */
  returnStd(): number {
    if (this.returnStdCache === undefined) {
      const [count, , m2] = this.params.require(RETURN_STATS).dataSync();
      this.returnStdCache = count! > 1 ? Math.max(Math.sqrt(m2! / count!), 1e-2) : 1;
    }
    return this.returnStdCache;
  }

  /** Folds a rollout's returns into the running statistics (Chan et al.'s parallel Welford update). */
  observeReturns(returns: Float32Array): void {
    if (returns.length === 0) return;
    const v = this.params.require(RETURN_STATS);
    const [count, mean, m2] = Array.from(v.dataSync());
    let bMean = 0;
    for (const r of returns) bMean += r;
    bMean /= returns.length;
    let bM2 = 0;
    for (const r of returns) bM2 += (r - bMean) ** 2;
    const n = count! + returns.length;
    const delta = bMean - mean!;
    const next = [n, mean! + (delta * returns.length) / n, m2! + bM2 + (delta * delta * count! * returns.length) / n];
    tf.tidy(() => v.assign(tf.tensor1d(next)));
    this.returnStdCache = undefined;
  }

  override invalidate(): void {
    super.invalidate();
    this.returnStdCache = undefined;
  }

  /** Differentiable log-probabilities, entropies and values of stored actions. Call inside a gradient tape. */
  abstract evaluateActions(stored: StoredActions): ActionEvaluation;
}

/** One minibatch of a rollout, gathered into flat arrays. */
export interface Minibatch extends StoredActions {
  readonly size: number;
  readonly oldLogProb: Float32Array;
  readonly oldValue: Float32Array;
  /** Advantages, normalised within the minibatch when the algorithm asks for it. */
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

/**
 * Calls `step` on `epochs` passes over the rollout, each a random permutation cut into minibatches of
 * `minibatchSize` (the last one may be smaller; one of fewer than 2 rows is merged into the previous).
 * `step` returns false to stop early (PPO's target KL).
 */
export function forEachMinibatch(buf: RolloutBuffer, o: { epochs: number; minibatchSize: number; normalizeAdvantages: boolean }, rng: Rng, step: (mb: Minibatch) => boolean): void {
  const n = buf.length;
  if (n === 0) throw new FarsightError("rl-policy/empty-rollout", "update() was called on an empty rollout buffer", {});
  const { historyLength: l, slateSize: k, actionDim: a, numItems: items } = buf.shape;
  const size = Math.max(1, Math.min(o.minibatchSize, n));
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = permutation(n, rng);
    for (let start = 0; start < n; start += size) {
      const end = n - (start + size) < 2 ? n : start + size;
      const rows = order.subarray(start, end);
      const m = rows.length;
      const slates = new Int32Array(m * k), actions = new Float32Array(m * a), slateFeedback = buf.hasSlateFeedback ? new Float32Array(m * k) : null;
      const oldLogProb = new Float32Array(m), oldValue = new Float32Array(m), advantages = new Float32Array(m), returns = new Float32Array(m);
      rows.forEach((r, i) => {
        slates.set(buf.slates.subarray(r * k, r * k + k), i * k);
        slateFeedback?.set(buf.slateFeedback.subarray(r * k, r * k + k), i * k);
        if (a > 0) actions.set(buf.actions.subarray(r * a, r * a + a), i * a);
        oldLogProb[i] = buf.logProbs[r]!;
        oldValue[i] = buf.values[r]!;
        advantages[i] = buf.advantages[r]!;
        returns[i] = buf.returns[r]!;
      });
      if (o.normalizeAdvantages) normalizeInPlace(advantages);
      const mb: Minibatch = {
        size: m,
        history: historyRows(buf, l, rows),
        slates,
        actions,
        mask: stackMasks(buf.masks, rows, items),
        ...(slateFeedback ? { slateFeedback } : {}),
        oldLogProb,
        oldValue,
        advantages,
        returns,
      };
      if (!step(mb)) return;
      if (end === n) break;
    }
  }
}

/**
 * The stream that shuffles an update's minibatches, derived from the seed and the number of gradient steps taken so
 * far (saved in checkpoints): a reloaded algorithm shuffles exactly as the original would have.
 */
/**
 * The vanilla policy-gradient loss of A2C and REINFORCE on one minibatch: -mean(log pi * A) - entropyCoef * H +
 * valueCoef * 0.5 * (V - G / scale)^2, plus the policy's auxiliary (response) loss when it has one. Returns the loss
 * and its parts read back for the update statistics. Call inside a gradient step (it builds tensors).
 */
export function policyGradientLoss(
  p: ActorCriticPolicy,
  mb: Minibatch,
  o: { readonly entropyCoef: number; readonly valueCoef: number; readonly responseCoef: number },
  scale: number,
): { loss: tf.Scalar; diag: Record<string, number> } {
  const ev = p.evaluateActions(mb);
  const policyLoss = tf.neg(tf.mean(tf.mul(ev.logProb, tf.tensor1d(mb.advantages))));
  const valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(ev.normalizedValue, tf.div(tf.tensor1d(mb.returns), scale)))));
  const entropy = tf.mean(ev.entropy);
  let loss = tf.add(tf.sub(policyLoss, tf.mul(entropy, o.entropyCoef)), tf.mul(valueLoss, o.valueCoef));
  if (ev.auxiliaryLoss && o.responseCoef > 0) loss = tf.add(loss, tf.mul(ev.auxiliaryLoss, o.responseCoef));
  const [pl, vl, en, rl] = tf.stack([policyLoss, valueLoss, entropy, ev.auxiliaryLoss ?? tf.scalar(0)]).dataSync();
  return { loss: loss as tf.Scalar, diag: { policyLoss: pl!, valueLoss: vl!, entropy: en!, ...(ev.auxiliaryLoss ? { responseLoss: rl! } : {}) } };
}

export function minibatchRng(seed: number, algorithm: string, updates: number): Rng {
  return new Rng(seed, `${algorithm}/minibatches/${updates}`);
}

/** Zero mean, unit std in place (left as is below 2 values). */
export function normalizeInPlace(x: Float32Array): Float32Array {
  if (x.length < 2) return x;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / x.length) + 1e-8;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / std;
  return x;
}

/** 1 - Var(returns - values) / Var(returns): how much of the return the critic explains (1 perfect, <= 0 useless). */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const n = returns.length;
  if (n < 2) return NaN;
  let mr = 0, md = 0;
  for (let i = 0; i < n; i++) {
    mr += returns[i]!;
    md += returns[i]! - values[i]!;
  }
  mr /= n;
  md /= n;
  let vr = 0, vd = 0;
  for (let i = 0; i < n; i++) {
    vr += (returns[i]! - mr) ** 2;
    vd += (returns[i]! - values[i]! - md) ** 2;
  }
  return vr === 0 ? NaN : 1 - vd / vr;
}

/** Averages named numbers over the minibatch steps of one update. */
export class StatsAccumulator {
  private readonly sums = new Map<string, number>();
  private count = 0;

  add(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
    this.count++;
  }

  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.sums) out[k] = v / Math.max(1, this.count);
    return out;
  }
}
