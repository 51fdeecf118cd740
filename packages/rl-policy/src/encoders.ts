/**
 * State encoders over the last L interactions of a session. Every interaction becomes a token
 * `e_item + W_f * feedback + p_position`; an encoder turns the [B, L, d] tokens into a [B, dState] state.
 *
 * Layout of a {@link HistoryBatch}: row-major [B, L], oldest first and right-aligned, so the newest
 * interaction is always at index L-1; missing rows (short sessions) are padded on the left with the pad
 * item (`numItems`) and `valid = 0`.
 */
import type { HistoryBatch } from "@farsight/core";
import { tf } from "./backend.js";
import { dense, type ParamSet } from "./params.js";
import { transformerEncode, type TransformerOptions } from "./transformer.js";

/** Histories of B sessions, each the last L interactions (see the module comment for the layout); defined in core. */
export type { HistoryBatch } from "@farsight/core";

/** Which encoder: `mean` pooling (fastest), `gru`, or a small causal `transformer` (LERL's choice). */
export type EncoderKind = "mean" | "gru" | "transformer";

/** Options of the state encoder. */
export interface EncoderOptions {
  kind: EncoderKind;
  /** Token and item-embedding width d. */
  itemDim: number;
  /** Output state width (mean, gru); the transformer's state width is `itemDim`. */
  stateDim: number;
  /** Transformer shape (LERL: d = 64, 4 heads, 3 layers, FFN 64). */
  transformer: TransformerOptions;
}

export const DEFAULT_ENCODER_OPTIONS: EncoderOptions = {
  kind: "mean",
  itemDim: 32,
  stateDim: 64,
  transformer: { heads: 4, layers: 3, ffnDim: 64 },
};

/** Width of the state an encoder with these options produces. */
export function stateDimOf(o: EncoderOptions): number {
  return o.kind === "transformer" ? o.itemDim : o.stateDim;
}

/**
 * Item representations for every item plus the pad row, [numItems + 1, d]: a learned per-item table, plus
 * a learned embedding of the item's primary category (so what the policy learns about one item carries
 * over to its category, which is what plans and category quit rules are about), plus a learned projection
 * of the world model's item features when the env has them.
 *
 * @param categoryOneHot [numItems + 1, numCategories] one-hot of each item's category (pad row zero).
 */
export function itemTable(ps: ParamSet, numItems: number, itemDim: number, categoryOneHot: tf.Tensor2D, features?: tf.Tensor2D): tf.Tensor2D {
  const table = ps.get("items/table", [numItems + 1, itemDim], "normal");
  const categories = ps.get("items/category", [categoryOneHot.shape[1], itemDim], "normal");
  let out = tf.add(table, tf.matMul(categoryOneHot, categories));
  if (features) {
    const proj = ps.get("items/featureProj", [features.shape[1], itemDim]);
    out = tf.add(out, tf.matMul(features, proj));
  }
  return out as tf.Tensor2D;
}

/** Per-interaction inputs of an encoder. */
export interface HistoryTokens {
  /** `e_item + W_f * feedback + p_position`, [B, L, d]. */
  readonly tokens: tf.Tensor3D;
  /** Item embeddings alone, [B, L, d]. */
  readonly items: tf.Tensor3D;
  /** Feedback, [B, L]. */
  readonly feedback: tf.Tensor2D;
  /** 1 for real interactions, [B, L]. */
  readonly valid: tf.Tensor2D;
}

/** Tokens of a history batch given the item table from {@link itemTable}. */
export function historyTokens(ps: ParamSet, items: tf.Tensor2D, feedback: tf.Tensor2D, valid: tf.Tensor2D, table: tf.Tensor2D): HistoryTokens {
  const [b, l] = items.shape;
  const d = table.shape[1];
  const itemEmb = tf.reshape(tf.gather(table, tf.reshape(items, [-1])), [b, l, d]) as tf.Tensor3D;
  const fbW = ps.get("tokens/feedbackW", [d], "normal");
  const fbB = ps.get("tokens/feedbackB", [d], "zeros");
  const fbEmb = tf.add(tf.mul(tf.expandDims(feedback, 2), fbW), fbB);
  const pos = ps.get("tokens/position", [l, d], "normal");
  return { tokens: tf.add(tf.add(itemEmb, fbEmb), pos) as tf.Tensor3D, items: itemEmb, feedback, valid };
}

/** Encodes history tokens into states [B, stateDimOf(o)]. */
export function encodeState(ps: ParamSet, o: EncoderOptions, h: HistoryTokens): tf.Tensor2D {
  switch (o.kind) {
    case "mean":
      return meanEncode(ps, o, h);
    case "gru":
      return gruEncode(ps, o, h.tokens, h.valid);
    case "transformer":
      return transformerEncode(ps, o.transformer, h.tokens, h.valid);
  }
}

/** How many of the newest items the mean encoder also sees one by one (the quit rules look at a short window). */
const MEAN_RECENT = 3;

/**
 * Mean pooling, made aware of what order-free pooling loses: the input is the masked mean of the tokens,
 * the feedback-weighted mean of the item embeddings ("what was liked": a plain mean of `e + w f` cannot
 * separate liked from shown), the newest {@link MEAN_RECENT} item embeddings (recency, for quit windows),
 * and the filled fraction of the window; one ReLU layer on top.
 */
function meanEncode(ps: ParamSet, o: EncoderOptions, h: HistoryTokens): tf.Tensor2D {
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

/** GRU over the window, oldest to newest; padded steps keep the previous hidden state. */
function gruEncode(ps: ParamSet, o: EncoderOptions, tokens: tf.Tensor3D, valid: tf.Tensor2D): tf.Tensor2D {
  const [b, l, d] = tokens.shape;
  const hDim = o.stateDim;
  // Gates z, r and candidate n from one fused input matrix and one fused recurrent matrix.
  const wx = ps.get("enc/gru/wx", [d, 3 * hDim]);
  const wh = ps.get("enc/gru/wh", [hDim, 3 * hDim]);
  const bias = ps.get("enc/gru/b", [3 * hDim], "zeros");
  const xs = tf.add(tf.matMul(tf.reshape(tokens, [b * l, d]), wx), bias);
  const xSteps = tf.unstack(tf.reshape(xs, [b, l, 3 * hDim]), 1);
  const masks = tf.unstack(tf.expandDims(valid, 2), 1);
  let h: tf.Tensor = tf.zeros([b, hDim]);
  for (let t = 0; t < l; t++) {
    const [xz, xr, xn] = tf.split(xSteps[t]!, 3, 1);
    const hh = tf.matMul(h, wh);
    const [hz, hr, hn] = tf.split(hh, 3, 1);
    const z = tf.sigmoid(tf.add(xz!, hz!));
    const r = tf.sigmoid(tf.add(xr!, hr!));
    const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
    const next = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    const m = masks[t]!;
    h = tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), h));
  }
  return h as tf.Tensor2D;
}
