/**
 * The category logit (opt-in `categoryLogit`): a learned offset on every item's logit from its category alone,
 * read off what round-robin uses and the state-vector scorer has to learn the hard way.
 *
 * For an item of category c the offset is
 *   `sum_k w_k * [the k-th newest item of the session is of category c]  (k = 1..lags)`
 *   `+ a * affinity(user, c)`  (with `affinity` and a user state with `categories`: the user's logged preference),
 * in score units (the slate policy multiplies it by `logitScale` with the scores). Why: on synthetic, the session
 * ends when a category reaches two items within the quit window, and boredom makes the category just shown less
 * clicked, so what decides a good next item is "which categories did the last few steps show" and "which categories
 * does this user like". The `u(s) . e_i` scorer can express both only through a state MLP over item embeddings
 * (measured in the README: PPO at 50k steps does not find the favourites-in-rotation policy through it). Here each
 * is one weight per lag and one for the affinity, shared by every category and user, so what is learned about one
 * category carries over to all. Off, the policy and its parameters are exactly as before. Not in the response loss
 * (the click model fits the scores alone): the offsets learn from the return, through the policy gradient.
 */
import { FarsightError } from "@farsight/core";
import { tf } from "./backend.js";
import type { HistoryBatch } from "./encoders.js";
import type { ParamSet } from "./params.js";
import type { CategoryLogitOptions } from "./plain-types.js";
export type { CategoryLogitOptions } from "./plain-types.js";

export const DEFAULT_CATEGORY_LOGIT: CategoryLogitOptions = { lags: 4, affinity: true };

const LAG_WEIGHTS = "actor/categoryLag";
const AFFINITY_WEIGHT = "actor/categoryAffinity";

/** Throws `rl-policy/bad-option` when the options cannot work with a history of `historyLength` items. */
export function checkCategoryLogit(o: CategoryLogitOptions, historyLength: number): void {
  if (!(Number.isInteger(o.lags) && o.lags >= 0 && o.lags <= historyLength)) {
    throw new FarsightError("rl-policy/bad-option", `categoryLogit.lags must be an integer in [0, historyLength = ${historyLength}], got ${o.lags}`, { lags: o.lags, historyLength });
  }
}

/** Creates the parameters (both start at 0: the offset is neutral until training moves it). */
export function buildCategoryLogit(ps: ParamSet, o: CategoryLogitOptions, withAffinity: boolean): void {
  if (o.lags > 0) ps.get(LAG_WEIGHTS, [o.lags], "zeros");
  if (o.affinity && withAffinity) ps.get(AFFINITY_WEIGHT, [1], "zeros");
}

/**
 * 1 where the k-th newest valid item of a history row is of category c, [B, lags, C] (histories are right-aligned,
 * newest last; padding rows give zeros).
 */
export function recentCategories(history: HistoryBatch, itemCategory: ArrayLike<number>, numCategories: number, lags: number): Float32Array {
  const { batchSize: b, length: l } = history;
  const out = new Float32Array(b * lags * numCategories);
  for (let r = 0; r < b; r++) {
    for (let k = 0; k < lags; k++) {
      const j = r * l + (l - 1 - k);
      if (!(history.valid[j]! > 0)) continue;
      out[(r * lags + k) * numCategories + itemCategory[history.items[j]!]!] = 1;
    }
  }
  return out;
}

/**
 * The per-category offsets of a batch, [B, C] (score units), or null when the options give none.
 * @param affinity [B, C] the batch users' category affinities, when the policy has them.
 */
export function categoryOffsets(ps: ParamSet, o: CategoryLogitOptions, history: HistoryBatch, itemCategory: ArrayLike<number>, numCategories: number, affinity: tf.Tensor2D | undefined): tf.Tensor2D | null {
  const b = history.batchSize;
  let out: tf.Tensor2D | null = null;
  if (o.lags > 0) {
    const recent = tf.tensor3d(recentCategories(history, itemCategory, numCategories, o.lags), [b, o.lags, numCategories]);
    const w = tf.reshape(ps.require(LAG_WEIGHTS), [1, o.lags, 1]);
    out = tf.sum(tf.mul(recent, w), 1) as tf.Tensor2D;
  }
  if (o.affinity && affinity) {
    const term = tf.mul(affinity, ps.require(AFFINITY_WEIGHT)) as tf.Tensor2D;
    out = out ? (tf.add(out, term) as tf.Tensor2D) : term;
  }
  return out;
}
