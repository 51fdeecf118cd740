/**
 * Action distributions: a diagonal Gaussian (PPO's hyper-action), a masked softmax over items with
 * Plackett-Luce slates (A2C: K items drawn without replacement), and the JS-side slate builders that
 * turn scores into item ids under a mask.
 */
import type { Rng } from "@farsight/core";
import { tf } from "./backend.js";

/** Logit given to masked items in differentiable paths: exp() underflows to exactly 0, no NaN in p*log p. */
export const MASKED_LOGIT = -1e9;
const LOG_2PI = Math.log(2 * Math.PI);

/** Log-density of `a` under N(mu, exp(logStd)^2), summed over the last axis: [B]. */
export function gaussianLogProb(a: tf.Tensor2D, mu: tf.Tensor2D, logStd: tf.Tensor1D): tf.Tensor1D {
  const z = tf.div(tf.sub(a, mu), tf.exp(logStd));
  return tf.sum(tf.neg(tf.add(tf.add(tf.mul(tf.square(z), 0.5), logStd), 0.5 * LOG_2PI)), 1) as tf.Tensor1D;
}

/** Entropy of a diagonal Gaussian (independent of the mean). */
export function gaussianEntropy(logStd: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.add(logStd, 0.5 * (1 + LOG_2PI))) as tf.Scalar;
}

/** Logits with masked items set to {@link MASKED_LOGIT}; `mask` is a float [B, N] of 0/1 or null. */
export function applyMask(logits: tf.Tensor2D, mask: tf.Tensor2D | null): tf.Tensor2D {
  if (!mask) return logits;
  return tf.add(tf.mul(logits, mask), tf.mul(tf.sub(1, mask), MASKED_LOGIT)) as tf.Tensor2D;
}

/**
 * Log-probability of ordered slates under Plackett-Luce over masked logits: position k is a softmax over
 * the items not yet placed. Returns [B] log-probs and the entropy of the first position's distribution.
 */
export function plackettLuceLogProb(maskedLogits: tf.Tensor2D, slates: tf.Tensor2D): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const [, n] = maskedLogits.shape;
  const k = slates.shape[1];
  const picks = tf.unstack(slates, 1);
  let logits: tf.Tensor2D = maskedLogits;
  let logProb: tf.Tensor = tf.zeros([maskedLogits.shape[0]]);
  let entropy: tf.Tensor1D | null = null;
  for (let pos = 0; pos < k; pos++) {
    const lsm = tf.logSoftmax(logits);
    if (pos === 0) entropy = tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), 1)) as tf.Tensor1D;
    const oneHot = tf.cast(tf.oneHot(picks[pos]! as tf.Tensor1D, n), "float32") as tf.Tensor2D;
    logProb = tf.add(logProb, tf.sum(tf.mul(lsm, oneHot), 1));
    if (pos + 1 < k) logits = tf.add(logits, tf.mul(oneHot, MASKED_LOGIT)) as tf.Tensor2D;
  }
  return { logProb: logProb as tf.Tensor1D, entropy: entropy! };
}

/**
 * Top-K item ids per row of `scores` (B*N) among allowed items, best first, into `out` (B*K).
 * Masked items are never chosen: this is the "minus infinity outside the plan" rule (LERL's released code
 * multiplies scores by the mask, which lets out-of-plan items with score 0 beat in-plan negative scores).
 */
export function topKSlates(scores: Float32Array, n: number, k: number, mask: Uint8Array | null, out: Int32Array): Int32Array {
  const b = scores.length / n;
  const bestIdx = new Int32Array(k);
  const bestVal = new Float64Array(k);
  for (let row = 0; row < b; row++) {
    const base = row * n;
    let filled = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[base + i] === 0) continue;
      const v = scores[base + i]!;
      if (filled === k && v <= bestVal[k - 1]!) continue;
      let j = filled < k ? filled++ : k - 1;
      while (j > 0 && bestVal[j - 1]! < v) {
        bestVal[j] = bestVal[j - 1]!;
        bestIdx[j] = bestIdx[j - 1]!;
        j--;
      }
      bestVal[j] = v;
      bestIdx[j] = i;
    }
    if (filled < k) throw new Error(`topKSlates: row ${row} has ${filled} allowed items, fewer than the slate size ${k}`);
    out.set(bestIdx, row * k);
  }
  return out;
}

/**
 * Samples K distinct items per row from softmax(logits) restricted to allowed items, in Plackett-Luce
 * order, with the Gumbel-top-K trick (top-K of logits + Gumbel noise is an exact sample).
 */
export function sampleSlates(logits: Float32Array, n: number, k: number, mask: Uint8Array | null, rng: Rng, out: Int32Array): Int32Array {
  const perturbed = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) perturbed[i] = logits[i]! - Math.log(-Math.log(1 - rng.float()));
  return topKSlates(perturbed, n, k, mask, out);
}

/** Epsilon-greedy slates: each row is, with probability `epsilon`, K distinct allowed items at random. */
export function epsilonGreedySlates(scores: Float32Array, n: number, k: number, mask: Uint8Array | null, epsilon: number, rng: Rng, out: Int32Array): Int32Array {
  topKSlates(scores, n, k, mask, out);
  const b = scores.length / n;
  const random = new Float32Array(n);
  const row = new Int32Array(k);
  for (let r = 0; r < b; r++) {
    if (!(rng.float() < epsilon)) continue;
    for (let i = 0; i < n; i++) random[i] = rng.float();
    topKSlates(random, n, k, mask ? mask.subarray(r * n, (r + 1) * n) : null, row);
    out.set(row, r * k);
  }
  return out;
}
