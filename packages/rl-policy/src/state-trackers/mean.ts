/**
 * The `mean` state tracker (EasyRL4Rec's "Average"): order-free pooling over the tokens, made aware of what pooling
 * loses. The fastest tracker and the default.
 */
import { tf } from "../backend.js";
import type { EncoderOptions, HistoryTokens } from "../encoders.js";
import { dense, type ParamSet } from "../params.js";
import type { StateTracker } from "./tracker.js";

/** How many of the newest items the mean encoder also sees one by one (the quit rules look at a short window). */
const MEAN_RECENT = 3;

/**
 * Mean pooling, made aware of what order-free pooling loses: the input is the masked mean of the tokens,
 * the feedback-weighted mean of the item embeddings ("what was liked": a plain mean of `e + w f` cannot
 * separate liked from shown), the newest {@link MEAN_RECENT} item embeddings (recency, for quit windows),
 * and the filled fraction of the window; one ReLU layer on top.
 */
export function meanEncode(ps: ParamSet, o: EncoderOptions, h: HistoryTokens): tf.Tensor2D {
  const [b, l, d] = h.tokens.shape;
  const valid3 = tf.expandDims(h.valid, 2);
  const count = tf.maximum(tf.sum(h.valid, 1, true), 1); // [B, 1]
  const meanTok = tf.div(tf.sum(tf.mul(h.tokens, valid3), 1), count);
  const liked = tf.div(tf.sum(tf.mul(h.items, tf.mul(valid3, tf.expandDims(h.feedback, 2))), 1), count);
  const recentN = Math.min(MEAN_RECENT, l);
  const recent = tf.reshape(tf.slice(tf.mul(h.items, valid3), [0, l - recentN, 0], [b, recentN, d]), [b, recentN * d]);
  const filled = tf.div(tf.sum(h.valid, 1, true), l);
  return dense(ps, "enc/mean/out", tf.concat([meanTok, liked, recent, filled], 1), o.stateDim, "relu") as tf.Tensor2D;
}


export const meanTracker: StateTracker = {
  kind: "mean",
  summary: "masked mean pooling, liked-item mean and the 3 newest items (fastest; default)",
  orderSensitive: false,
  stateDim: (o) => o.stateDim,
  encode: meanEncode,
};
