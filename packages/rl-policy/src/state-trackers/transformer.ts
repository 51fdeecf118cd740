/**
 * The SASRec-style state tracker (Kang & McAuley 2018: self-attention over the interaction sequence, causal mask,
 * the state read at the newest position): a small causal Transformer encoder (pre-LayerNorm), on tfjs-core ops. LERL's low level used
 * d_model = 64, 4 heads, FFN 64, 3 layers, dropout 0.1; we keep the shape and drop dropout (RL targets
 * are noisy enough, and dropout would make `act` stochastic in evaluation).
 *
 * A learned start token is prepended so that an empty history still has one key to attend to. The state
 * is the output at the newest position (index L, since histories are right-aligned).
 */
import { tf } from "../backend.js";
import type { EncoderOptions, HistoryTokens } from "../encoders.js";
import { dense, layerNorm, type ParamSet } from "../params.js";
import type { StateTracker } from "./tracker.js";
import { type TransformerOptions } from "../plain-types.js";
export type { TransformerOptions } from "../plain-types.js";


const NEG = -1e9;

export function transformerEncode(ps: ParamSet, o: TransformerOptions, tokens: tf.Tensor3D, valid: tf.Tensor2D): tf.Tensor2D {
  const [b, l, d] = tokens.shape;
  if (d % o.heads !== 0) throw new Error(`transformer: width ${d} is not divisible by ${o.heads} heads`);
  const dh = d / o.heads;
  const start = ps.get("enc/tf/start", [1, 1, d], "normal");
  let x: tf.Tensor = tf.concat([tf.mul(start, tf.ones([b, 1, 1])), tokens], 1); // [B, T, d], T = L + 1
  const t = l + 1;
  // Additive mask [B, 1, T, T]: key j visible to query i when j <= i and key j is real (start always is).
  const keyValid = tf.concat([tf.ones([b, 1]), valid], 1); // [B, T]
  const lower = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = 0; j <= i; j++) lower[i * t + j] = 1;
  const causal = tf.tensor2d(lower, [t, t]);
  const visible = tf.mul(tf.reshape(keyValid, [b, 1, 1, t]), tf.reshape(causal, [1, 1, t, t]));
  const mask = tf.mul(tf.sub(1, visible), NEG);
  for (let layer = 0; layer < o.layers; layer++) {
    const p = `enc/tf/l${layer}`;
    const h = layerNorm(ps, `${p}/ln1`, x);
    const qkv = dense(ps, `${p}/qkv`, h, 3 * d); // [B, T, 3d]
    const [q, k, v] = tf.split(qkv, 3, 2).map((m) => tf.transpose(tf.reshape(m, [b, t, o.heads, dh]), [0, 2, 1, 3])); // [B, h, T, dh]
    const scores = tf.add(tf.div(tf.matMul(tf.reshape(q!, [b * o.heads, t, dh]), tf.reshape(k!, [b * o.heads, t, dh]), false, true), Math.sqrt(dh)), tf.reshape(tf.mul(mask, tf.ones([1, o.heads, 1, 1])), [b * o.heads, t, t]));
    const attn = tf.softmax(scores, -1);
    const ctx = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attn, tf.reshape(v!, [b * o.heads, t, dh])), [b, o.heads, t, dh]), [0, 2, 1, 3]), [b, t, d]);
    x = tf.add(x, dense(ps, `${p}/proj`, ctx, d));
    const f = dense(ps, `${p}/ffn2`, dense(ps, `${p}/ffn1`, layerNorm(ps, `${p}/ln2`, x), o.ffnDim, "relu"), d);
    x = tf.add(x, f);
  }
  const last = tf.reshape(tf.slice(x, [0, t - 1, 0], [b, 1, d]), [b, d]);
  return layerNorm(ps, "enc/tf/lnOut", last) as tf.Tensor2D;
}

/** The `transformer` tracker: state width `itemDim` (the token width). */
export const transformerTracker: StateTracker = {
  kind: "transformer",
  summary: "SASRec-style causal self-attention (LERL: d 64, 4 heads, 3 layers)",
  orderSensitive: true,
  stateDim: (o: EncoderOptions) => o.itemDim,
  encode: (ps: ParamSet, o: EncoderOptions, h: HistoryTokens) => transformerEncode(ps, o.transformer, h.tokens, h.valid),
};
