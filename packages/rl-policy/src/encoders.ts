/**
 * State encoders over the last L interactions of a session. Every interaction becomes a token
 * `e_item + W_f * feedback + p_position`; an encoder turns the [B, L, d] tokens into a [B, dState] state.
 *
 * Layout of a {@link HistoryBatch}: row-major [B, L], oldest first and right-aligned, so the newest
 * interaction is always at index L-1; missing rows (short sessions) are padded on the left with the pad
 * item (`numItems`) and `valid = 0`.
 */
import { tf } from "./backend.js";
import type { ParamSet } from "./params.js";
import { stateTracker } from "./state-trackers/index.js";
import type { EncoderOptions } from "./plain-types.js";
export type { EncoderKind, EncoderOptions } from "./plain-types.js";

/** Histories of B sessions, each the last L interactions (see the module comment for the layout); defined in core. */
export type { HistoryBatch } from "@farsight/core";

export const DEFAULT_ENCODER_OPTIONS: EncoderOptions = {
  kind: "mean",
  itemDim: 32,
  stateDim: 64,
  transformer: { heads: 4, layers: 3, ffnDim: 64 },
};

/** Width of the state an encoder with these options produces. */
export function stateDimOf(o: EncoderOptions): number {
  return stateTracker(o.kind).stateDim(o);
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

/** Encodes history tokens into states [B, stateDimOf(o)] with the tracker `o.kind` names. */
export function encodeState(ps: ParamSet, o: EncoderOptions, h: HistoryTokens): tf.Tensor2D {
  return stateTracker(o.kind).encode(ps, o, h);
}

